package history

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Formats of an export.
const (
	FormatText = "txt"
	FormatHTML = "html"
	FormatJSON = "json"
)

// FormatFor is the format a file's name asks for (.txt, .html, .json);
// false for another name.
func FormatFor(name string) (string, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".text":
		return FormatText, true
	case ".html", ".htm":
		return FormatHTML, true
	case ".json":
		return FormatJSON, true
	}
	return "", false
}

var kindNames = map[Kind]string{Message: "message", Announcement: "announcement",
	Joined: "joined", Left: "left", FileReceived: "file"}

// rowJSON is a row as JSON.
type rowJSON struct {
	Event    string `json:"event"`
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Group    string `json:"group"`
	Sender   string `json:"sender,omitempty"`
	Nick     string `json:"nick"`
	Host     string `json:"host,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received"`
	Text     string `json:"text,omitempty"`
	Sealed   bool   `json:"sealed,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Plain    bool   `json:"plain,omitempty"`
	Earlier  bool   `json:"earlier,omitempty"`
	// Presenter: signed by the room's presenter (an announcement, or its message).
	Presenter bool   `json:"presenter,omitempty"`
	FileName  string `json:"file_name,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Path      string `json:"path,omitempty"`
}

// RowText is how a row reads in an export: what the message, join,
// leave or file was.
func RowText(r Record) string {
	switch r.Kind {
	case Joined:
		return fmt.Sprintf("* %s (%s) joined", r.Nick, r.Host)
	case Left:
		return fmt.Sprintf("* %s (%s) left", r.Nick, r.Host)
	case FileReceived:
		return fmt.Sprintf("* file %s from %s, saved as %s", r.FileName, r.Nick, r.FilePath)
	}
	text := r.Text
	if r.Private && text == "" {
		text = "(private: not readable without the group's passphrase)"
	}
	who := r.Nick
	switch {
	case r.Kind == Announcement:
		who = "📢 " + who
	case r.Presenter:
		who += " (presenter)"
	}
	if r.Earlier {
		who += " (earlier)"
	}
	return who + ": " + text
}

// Write writes rows in format (FormatText, FormatHTML or FormatJSON): a
// line per row ("2026-11-30 09:30:00 [group] Bob: hello"), an HTML
// table, or a JSON object per line. The commands and the window export
// with it.
func Write(w io.Writer, rows []Record, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			j := rowJSON{Event: "history", ID: r.ID, Kind: kindNames[r.Kind], Group: r.Group, Sender: r.Sender, Nick: r.Nick, Host: r.Host,
				Seq: r.Seq, Received: r.Received.Format(time.RFC3339Nano), Text: r.Text, Sealed: r.Private && r.Text == "",
				Encoding: r.Encoding, Plain: r.Plain, Earlier: r.Earlier, Presenter: r.Presenter, FileName: r.FileName, SHA256: r.FileSHA256, Path: r.FilePath}
			if !r.Sent.IsZero() {
				j.Sent = r.Sent.Format(time.RFC3339Nano)
			}
			if err := enc.Encode(j); err != nil {
				return err
			}
		}
		return nil
	case FormatHTML:
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Groupcast history</title></head><body>\n<table>\n")
		for _, r := range rows {
			fmt.Fprintf(w, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", r.Received.Format("2006-01-02 15:04:05"),
				html.EscapeString(r.Group), html.EscapeString(RowText(r)))
		}
		_, err := fmt.Fprint(w, "</table>\n</body></html>\n")
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "%s [%s] %s\n", r.Received.Format("2006-01-02 15:04:05"), r.Group, strings.ReplaceAll(RowText(r), "\n", "\n    ")); err != nil {
			return err
		}
	}
	return nil
}
