package event

import "github.com/groupcast/groupcast/netconf/words"

// FileOffered: a member offers a file. Saving says it is being fetched
// into Config.SaveDir.
type FileOffered struct {
	ID     string
	From   Peer
	Name   string
	Size   int64
	SHA256 string
	Saving bool
	// Presenter: the room's presenter signed the offer. Its file stays
	// offered while the presenter is in the room, so members who join
	// later have it too: a window shows it pinned.
	Presenter bool
}

// FileProgress: how far a file has come, sending or receiving.
type FileProgress struct {
	ID      string
	Name    string
	Sending bool
	Done    int64 // bytes held (receiving) or sent once (sending)
	Size    int64
}

// FileReceived: a file is saved at Path, its SHA-256 the offer's.
type FileReceived struct {
	ID     string
	From   Peer
	Name   string
	Size   int64
	SHA256 string
	Path   string
	// Already: the file was in the folder for files before it was
	// offered (a PC restarted, or it was sent before): it was neither
	// fetched nor saved again, and Path is that copy.
	Already bool
}

// FileFailed: a file will not be had (receiving), or could not be sent.
type FileFailed struct {
	ID      string
	Name    string
	Sending bool
	Reason  string      // why, in English: "could not write it: no space left on device"
	Why     words.Words // Reason, for a front end to translate
}

// FileReceipt says, for a file we send, which computers have it, as a
// Receipt counts an announcement's: a computer counts once however many
// members it runs (People), and has the file when one of them has it.
// Have, Failed and Waiting name one member of each computer. Done: every
// member present has answered, or the transfer gave up on the rest
// (named in Failed).
type FileReceipt struct {
	ID      string
	Name    string
	Members int // computers
	People  int // members on them
	Have    []Peer
	Failed  []FileFailure
	Waiting []Peer
	Done    bool
}

// FileFailure names a member who will not have a file, and why.
type FileFailure struct {
	Peer   Peer
	Reason string      // in English: "did not answer"
	Why    words.Words // Reason, for a front end to translate
}

func (FileOffered) event()  {}
func (FileProgress) event() {}
func (FileReceived) event() {}
func (FileFailed) event()   {}
func (FileReceipt) event()  {}
