package netconf

import (
	"github.com/groupcast/groupcast/netconf/internal/fileshare"
)

// Files to the room (docs/FILES.md) are a part of the engine of their own
// (netconf/internal/fileshare); here are its public names and how a
// membership makes it.

// SendFile offers the file at Path to everyone in the group.
type SendFile struct{ Path string }

func (SendFile) command() {}

// File limits and defaults.
const (
	// DefaultMaxFileSize is the largest offer taken unless
	// Config.MaxFileSize says otherwise.
	DefaultMaxFileSize = fileshare.DefaultMaxFileSize
	// DefaultFileRate caps a file's sending, in bits a second, unless
	// Config.FileRate says otherwise.
	DefaultFileRate = fileshare.DefaultFileRate
)

// SizeText words a size as file managers do, in decimal units: "50.0
// MB", "1.2 kB". ok is false below a kilobyte, which a front end words
// in its own language ("512 bytes").
func SizeText(n int64) (s string, ok bool) { return fileshare.SizeText(n) }

// addFiles gives m its part for files.
func (e *Engine) addFiles(m *session) {
	cfg := m.cfg
	m.files = fileshare.New(fileshare.Options{
		SaveDir: cfg.SaveDir, MaxFileSize: cfg.MaxFileSize, FileRate: cfg.FileRate,
		Plain: cfg.Plain, SendOnly: cfg.SendOnly, Linger: e.timing.FileLinger, Judge: m.judge,
		Proven: m.class.Proven,
		Link:   func() fileshare.Writer { return m.link.Tr },
		MTU:    m.link.MTU,
		Seal:   m.link.SealBatch,
	}, m.env(e))
	m.parts.Add(m.files)
}

// sendFile offers a file (the SendFile command).
func (e *Engine) sendFile(path string) {
	if e.m == nil {
		e.queue.Push(Error{Op: "send", Err: ErrNotJoined})
		return
	}
	e.m.files.Send(e.now(), path)
}
