package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/internal/history"
)

// TestLabHistorySurvivesKill: a listener keeping history (-history-dir)
// is killed with SIGKILL in the middle of a 10 000-line stream; every
// message it printed is in its store afterwards, once, and the store
// opens cleanly and is searchable.
func TestLabHistorySurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const lines = 10000
	const group = "239.255.6.8:6668"
	dir := t.TempDir()
	lab, bin, rx := streamLab(t, group, "-history-dir", dir)

	chat := lab.Command(lab.Hosts[0], bin, "chat", "-group", group, "-name", "Streamer")
	chat.Stdin = strings.NewReader(numberedLines(lines))
	Start(t, "chat", chat)
	rx.WaitFor("message", 3000, 60*time.Second)
	_ = rx.cmd.Process.Kill() // SIGKILL: no chance to flush anything
	<-rx.done
	printed := rx.Events("message")
	if len(printed) >= lines {
		t.Fatalf("the listener printed all %d lines before it was killed: nothing was tested", len(printed))
	}

	s, err := history.Open(dir)
	if err != nil {
		t.Fatalf("the store after kill -9: %v", err)
	}
	defer s.Close()
	kept, err := s.All(history.Query{Group: group}, 0)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, r := range kept {
		if r.Kind == history.Message {
			have[r.Text]++
		}
	}
	for _, ev := range printed {
		text, _ := ev["text"].(string)
		switch have[text] {
		case 1:
		case 0:
			t.Fatalf("printed but not kept: %q (%d printed, %d kept)", text, len(printed), len(have))
		default:
			t.Fatalf("kept %d times: %q", have[text], text)
		}
	}
	if rs, err := s.Search(history.Query{Words: "line 01234"}); err != nil || (len(printed) >= 1234 && len(rs) != 1) {
		t.Fatalf("search after kill -9: %d rows, %v", len(rs), err)
	}
	t.Logf("killed after printing %d of %d lines; %d kept", len(printed), lines, len(have))
}
