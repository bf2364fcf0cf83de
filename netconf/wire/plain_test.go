package wire

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

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
		// A C tool's buffer that held a longer message: it prints "hi".
		{[]byte("hi\x00LONGER OLD MESSAGE\x00"), "hi", EncodingUTF8},
		{[]byte("hi\r\n\x00\xff\xfe"), "hi", EncodingUTF8},
		// Short GBK texts that are valid UTF-8 too.
		{gbk("谢谢"), "谢谢", EncodingGB},
		{gbk("忙"), "忙", EncodingGB},
		{gbk("路"), "路", EncodingGB},
		{gbk("Hi 谢谢"), "Hi 谢谢", EncodingGB},
		// UTF-8 texts that are valid GBK too stay UTF-8.
		{[]byte("café"), "café", EncodingUTF8},
		{[]byte("naïve"), "naïve", EncodingUTF8},
		{[]byte("£5"), "£5", EncodingUTF8},
		{[]byte("20°C"), "20°C", EncodingUTF8},
		{[]byte("Straße"), "Straße", EncodingUTF8},
		{[]byte("Привет"), "Привет", EncodingUTF8},
		{[]byte("Ελληνικά"), "Ελληνικά", EncodingUTF8},
		{[]byte("谢谢"), "谢谢", EncodingUTF8},
	} {
		text, enc := DecodePlain(tc.in)
		if text != tc.text || enc != tc.encoding {
			t.Errorf("DecodePlain(% x) = %q, %s; want %q, %s", tc.in, text, enc, tc.text, tc.encoding)
		}
	}
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// TestMostCommonHanziAlone: each of the 3 755 most common hanzi (GB2312
// level 1), sent alone or twice in GBK, is shown as itself, though 682 of them are
// valid UTF-8 too.
func TestMostCommonHanziAlone(t *testing.T) {
	n, ambiguous := 0, 0
	for hi := 0xb0; hi <= 0xd7; hi++ {
		for lo := 0xa1; lo <= 0xfe; lo++ {
			if hi == 0xd7 && lo > 0xf9 {
				break // D7FA-D7FE are unassigned
			}
			b := []byte{byte(hi), byte(lo)}
			want, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if utf8Valid(b) {
				ambiguous++
			}
			for _, in := range [][]byte{b, append(append([]byte{}, b...), b...)} {
				if text, enc := DecodePlain(in); enc != EncodingGB || text != string(want)+string(want)[:len(want)*(len(in)/2-1)] {
					t.Fatalf("% x: %q as %s; want %q", in, text, enc, want)
				}
			}
		}
	}
	if n != 3755 || ambiguous != 682 {
		t.Fatalf("%d hanzi, %d valid UTF-8; want 3755, 682", n, ambiguous)
	}
}

func utf8Valid(b []byte) bool { return utf8.Valid(b) }

// TestCharsetsRememberEachSender: what a sender was seen to use without
// doubt decides its texts that could be either; the user's setting
// decides for everyone; the table stays within its bound.
func TestCharsetsRememberEachSender(t *testing.T) {
	c := NewCharsets[string](2)
	if text, _ := c.Decode("gbk-tool", gbk("你好，世界"), ""); text != "你好，世界" {
		t.Fatalf("first text %q", text)
	}
	// "caf茅" in GBK is "café" in UTF-8: this sender writes GBK.
	if text, enc := c.Decode("gbk-tool", gbk("caf茅"), ""); text != "caf茅" || enc != EncodingGB {
		t.Fatalf("the GBK tool's ambiguous text: %q %s", text, enc)
	}
	c.Decode("utf8-tool", []byte("世界"), "")
	if text, _ := c.Decode("utf8-tool", []byte("æ"), ""); text != "æ" {
		t.Fatalf("the UTF-8 tool's ambiguous text: %q", text)
	}
	if text, _ := c.Decode("new", []byte("æ"), ""); text != "忙" {
		t.Fatalf("an unknown sender's lone æ: %q", text)
	}
	if text, _ := c.Decode("new", []byte("æ"), EncodingUTF8); text != "æ" {
		t.Fatalf("with the group set to UTF-8: %q", text)
	}
	if text, _ := c.Decode("utf8-tool", gbk("caf茅"), EncodingGBK); text != "caf茅" {
		t.Fatalf("with the group set to GBK: %q", text)
	}
	for i := range 10 {
		c.Decode(fmt.Sprint("flood", i), gbk("你好，世界"), "")
	}
	if c.Len() > 2 {
		t.Fatalf("%d senders remembered; the bound is 2", c.Len())
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
		for _, prefer := range []string{EncodingUTF8, EncodingGBK} {
			if t2, e2 := DecodePlainAs(b, prefer); !printable(t2) || e2 == EncodingBinary && enc != EncodingBinary {
				t.Fatalf("preferring %s: %q as %s", prefer, t2, e2)
			}
		}
		if !printable(text) && enc != EncodingBinary {
			t.Fatalf("unprintable %q as %s", text, enc)
		}
		if enc == EncodingBinary && !printable(text) {
			t.Fatalf("escaped text still unprintable: %q", text)
		}
	})
}
