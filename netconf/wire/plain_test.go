package wire

import "testing"

func TestDecodePlain(t *testing.T) {
	for _, tc := range []struct {
		in       []byte
		text     string
		encoding string
	}{
		{[]byte("hello 世界\r\n\x00\x00"), "hello 世界", EncodingUTF8},
		{[]byte("Grüße, naïve café — €5 ½ ©\n"), "Grüße, naïve café — €5 ½ ©", EncodingUTF8},
		{[]byte{0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xac, 0xca, 0xc0, 0xbd, 0xe7}, "你好，世界", EncodingGB},
		{[]byte("two\nlines"), "two\nlines", EncodingUTF8},
		{[]byte{0x01, 0x02, 'A', 0x1b}, `\x01\x02A\x1b`, EncodingBinary},
		{[]byte{0xff, 0xfe, 0x80}, `\xff\xfe\x80`, EncodingBinary},
		{[]byte("\x00\x00"), "", EncodingUTF8},
	} {
		text, enc := DecodePlain(tc.in)
		if text != tc.text || enc != tc.encoding {
			t.Errorf("DecodePlain(% x) = %q, %s; want %q, %s", tc.in, text, enc, tc.text, tc.encoding)
		}
	}
}

func TestEncodePlain(t *testing.T) {
	b, err := EncodePlain("你好，世界", EncodingGBK)
	if err != nil || string(b) != "\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7" {
		t.Fatalf("gbk: % x %v", b, err)
	}
	if _, err := EncodePlain("smile 🙂", EncodingGBK); err != ErrUnencodable {
		t.Fatalf("emoji in gbk: %v", err)
	}
	if b, _ := EncodePlain("héllo", EncodingUTF8); string(b) != "héllo" {
		t.Fatalf("utf-8: %q", b)
	}
	if ValidEncoding("latin1") || !ValidEncoding("gbk") || !ValidEncoding("") {
		t.Fatal("ValidEncoding is wrong")
	}
}

func FuzzDecodePlain(f *testing.F) {
	f.Add([]byte("hello\r\n"))
	f.Add([]byte{0xc4, 0xe3, 0xba, 0xc3})
	f.Fuzz(func(t *testing.T, b []byte) {
		text, enc := DecodePlain(b)
		if !printable(text) && enc != EncodingBinary {
			t.Fatalf("unprintable %q as %s", text, enc)
		}
		if enc == EncodingBinary && !printable(text) {
			t.Fatalf("escaped text still unprintable: %q", text)
		}
	})
}
