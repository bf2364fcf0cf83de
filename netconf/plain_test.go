package netconf

import (
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/groupcast/groupcast/internal/lossy"
	"github.com/groupcast/groupcast/internal/memnet"
)

// TestClassicSendersText: two classic tools on the group, one writing
// GBK (a Qt tool's toLocal8Bit on Chinese Windows), one UTF-8. Each one's
// short texts that could be read either way are read as that tool
// writes; a C tool's stale buffer shows up to its NUL. With the group set
// to UTF-8, the user's setting wins.
func TestClassicSendersText(t *testing.T) {
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hub := memnet.NewHub()
	auto := joinBus(t, hub, "Alice", lossy.Faults{}, DefaultTiming())
	defer auto.e.Close()
	cfg := DefaultConfig()
	cfg.Nick, cfg.Encoding = "Bob", "utf-8"
	utf8Only := joinWith(t, hub, cfg, lossy.Faults{}, DefaultTiming())
	defer utf8Only.e.Close()
	qt, py := newForger(t, hub), newForger(t, hub)
	for _, w := range []struct {
		f *forger
		b []byte
	}{
		{qt, gbk("你好，世界")}, {qt, gbk("谢谢")}, {qt, gbk("caf茅")},
		{py, []byte("世界")}, {py, []byte("æ")},
		{qt, []byte("hi\x00LONGER OLD MESSAGE")},
	} {
		if _, err := w.f.conn.WriteTo(w.b, memnet.Group); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // in order
	}
	want := []string{"你好，世界", "谢谢", "caf茅", "世界", "æ", "hi"}
	for i, text := range want {
		m := waitEvent(t, auto.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message)
		if m.Text != text || !m.Plain {
			t.Fatalf("message %d: %q (%s); want %q", i, m.Text, m.Encoding, text)
		}
	}
	for i, text := range []string{"你好，世界", "лл"} {
		if m := waitEvent(t, utf8Only.e, 3*time.Second, func(ev Event) bool { _, ok := ev.(Message); return ok }).(Message); m.Text != text {
			t.Fatalf("set to UTF-8, message %d: %q; want %q", i, m.Text, text)
		}
	}
}
