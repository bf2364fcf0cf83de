package gui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2/lang"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/internal/history"
	"github.com/groupcast/groupcast/internal/keep"
	"github.com/groupcast/groupcast/netconf"
)

// The window keeps what it shows (docs/HISTORY.md): each batch of the
// engine's events has its rows committed to the history store before
// the batch is shown (keeper, historykeeper.go, on the event pump's
// goroutine). Joining a conversation shows its latest rows above an
// "— earlier —" marker, and scrolling to the top of the log brings older
// pages in (historylog.go). Ctrl+F can search all of it (search.go); the
// conversation can be exported (historyexport.go), and History… turns it
// off, bounds it in time, or forgets a group (historysettings.go). This
// file opens the store, hands it to a Join, and closes it.

// pageSize is how many rows a page of history holds: shown on joining,
// and brought in each time the log is scrolled to its top.
const pageSize = 50

// openHistory opens the store where the options say (not in tests that
// do not ask for it), when history is on or already kept there.
func (ui *window) openHistory(create bool) *history.Store {
	if s, _ := ui.keeper.state(); s != nil || ui.opts.historyDir == nil {
		return s
	}
	dir, err := ui.opts.historyDir()
	if err == nil && !create {
		if _, err := os.Stat(filepath.Join(dir, "history.db")); err != nil {
			return nil
		}
	}
	var s *history.Store
	if err == nil {
		s, err = history.Open(dir)
	}
	if err != nil {
		ui.system(chatlog.Warning, lang.L("History cannot be kept: {{.Why}}", map[string]any{"Why": err.Error()}))
		return nil
	}
	ui.keeper.mu.Lock()
	ui.keeper.store = s
	ui.keeper.mu.Unlock()
	return s
}

// startHistory opens the store when history is on and prunes what is
// older than the user keeps.
func (ui *window) startHistory() {
	p := ui.app.Preferences()
	on := p.BoolWithFallback(prefHistory, true)
	ui.keeper.now = ui.opts.now
	ui.keeper.on = on
	if !on {
		return
	}
	if s := ui.openHistory(true); s != nil {
		ui.model.SetMax(chatlog.MaxEntriesKept) // the rest is in the store
		if t := cutoff(p.String(prefKeepFor), ui.opts.now()); !t.IsZero() {
			go func() {
				if _, err := s.Prune(t); err != nil {
					ui.keeper.fail(err)
				}
			}()
		}
	}
}

// closeHistory closes the store, once the pump has stopped.
func (ui *window) closeHistory() {
	ui.keeper.mu.Lock()
	s := ui.keeper.store
	ui.keeper.store = nil
	ui.keeper.mu.Unlock()
	if s != nil {
		_ = s.Close()
	}
}

// historyFor adds what a Join needs to cfg: the conversation is kept
// from its Joined on, and the engine answers and asks catch-up from it.
func (ui *window) historyFor(cfg *netconf.Config) {
	ui.conv = keep.Conversation(*cfg)
	ui.keeper.mu.Lock()
	ui.keeper.next = nextConv{name: ui.conv, passphrase: cfg.Passphrase}
	s, on := ui.keeper.store, ui.keeper.on
	ui.keeper.mu.Unlock()
	if on && s != nil && !cfg.Plain {
		cfg.Archive = s.Archive(ui.conv)
	}
}
