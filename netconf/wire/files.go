package wire

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Files to the room (docs/FILES.md): the bodies of FILE_OFFER,
// FILE_BLOCK, FILE_NACK and FILE_DONE. Each parser checks every field
// against what this side holds, never trusting a claimed length.

// FileID names one offer of one file by one sender: random, never zero.
type FileID [8]byte

func (id FileID) String() string { return fmt.Sprintf("%x", id[:]) }

const (
	// MaxFileBlockSize bounds the bytes of file one FILE_BLOCK carries:
	// what fits MaxFileDatagram with a one-byte nickname, unsealed. A
	// sender uses FileBlockSizeFor its nickname, sealing and MTU.
	MaxFileBlockSize = MaxFileDatagram - fileBlockOverhead - 1
	// MinFileBlockSize bounds an offer's block size from below, so a
	// file cannot be made of more blocks than its bytes warrant.
	MinFileBlockSize = 256
	// MaxFileBlocks bounds a file's blocks: a block index fits 32 bits.
	MaxFileBlocks = 1<<32 - 1
	// MaxFileName bounds a file name's UTF-8 bytes.
	MaxFileName = 255
)

// fileBlockOverhead is a FILE_BLOCK's bytes besides its nickname and
// data: the fixed header, the extension and body lengths, the file id.
const fileBlockOverhead = HeaderSize + 2 + 2 + 8

// FileBlockSizeFor is the block size a sender with a nickname of nickLen
// bytes offers on an interface of this MTU: the most a FILE_BLOCK
// carries in a datagram of the MTU less the IPv4 and UDP headers (548 to
// MaxFileDatagram bytes; MaxDatagram when the MTU is not known, 0),
// sealed (sealed) or not.
func FileBlockSizeFor(nickLen int, sealed bool, mtu int) uint16 {
	limit := MaxDatagram
	if mtu > 0 {
		limit = min(max(mtu-28, 576-28), MaxFileDatagram)
	}
	if sealed {
		limit -= SealOverhead
	}
	return uint16(limit - fileBlockOverhead - nickLen)
}

// FileOffer announces a file: its bytes are Size, in blocks of
// BlockSize (Blocks) gathered in groups of Group, whose SHA-256 is
// SHA256. Pass counts the sender's
// passes over the file (from 1); Flags holds FileEndOfPass (the other
// bits are sent as 0 and ignored).
type FileOffer struct {
	ID        FileID
	Size      uint64
	BlockSize uint16
	// Group is how many blocks make a group for repair (1 to
	// MaxFileGroup): a group's blocks, and parity blocks computed from
	// them (Reed-Solomon), number at most 256, and any Group of them
	// restore the group.
	Group  uint8
	SHA256 [32]byte
	Pass   uint16
	Flags  uint8
	Name   string
}

// FileEndOfPass: this pass has sent every block, so a receiver asks for
// all it lacks now.
const FileEndOfPass = 1

// EndOfPass reports whether o ends a pass.
func (o FileOffer) EndOfPass() bool { return o.Flags&FileEndOfPass != 0 }

// Blocks is how many blocks the file has.
func (o FileOffer) Blocks() uint64 {
	if o.BlockSize == 0 {
		return 0
	}
	return (o.Size + uint64(o.BlockSize) - 1) / uint64(o.BlockSize)
}

// BlockLen is the length of block i (the last block is the rest).
func (o FileOffer) BlockLen(i uint64) int {
	if i+1 < o.Blocks() {
		return int(o.BlockSize)
	}
	return int(o.Size - i*uint64(o.BlockSize))
}

// Groups is how many groups the blocks make (the last may be short).
func (o FileOffer) Groups() uint64 {
	if o.Group == 0 {
		return 0
	}
	return (o.Blocks() + uint64(o.Group) - 1) / uint64(o.Group)
}

// GroupLen is how many blocks group g has.
func (o FileOffer) GroupLen(g uint64) int {
	if g+1 < o.Groups() {
		return int(o.Group)
	}
	return int(o.Blocks() - g*uint64(o.Group))
}

// MaxParity is how many parity blocks group g can have: 256 shards in
// all (the Reed-Solomon code's field), at most as many as its blocks.
func (o FileOffer) MaxParity(g uint64) int {
	n := o.GroupLen(g)
	return min(n, 256-n)
}

// FileShard places a FILE_BLOCK within its file: the header's seq is
// group << 8 | shard; shard < GroupLen(group) is a block of the file
// (index group × Group + shard), above it a parity block.
type FileShard struct {
	Group  uint64
	Shard  int
	Parity bool
}

// Seq is the FILE_BLOCK seq of s.
func (s FileShard) Seq() uint64 { return s.Group<<8 | uint64(s.Shard) }

// Shard reads a FILE_BLOCK's seq against o: ok is false when it names no
// block or parity block of the file.
func (o FileOffer) Shard(seq uint64) (FileShard, bool) {
	s := FileShard{Group: seq >> 8, Shard: int(seq & 0xFF)}
	if s.Group >= o.Groups() {
		return FileShard{}, false
	}
	n := o.GroupLen(s.Group)
	s.Parity = s.Shard >= n
	if s.Parity && s.Shard-n >= o.MaxParity(s.Group) {
		return FileShard{}, false
	}
	return s, true
}

// Index is the block index of a data shard.
func (o FileOffer) Index(s FileShard) uint64 { return s.Group*uint64(o.Group) + uint64(s.Shard) }

// ShardLen is the length a FILE_BLOCK of s carries: a block's length, and
// BlockSize for parity (blocks shorter than it count as padded with
// zeros).
func (o FileOffer) ShardLen(s FileShard) int {
	if s.Parity {
		return int(o.BlockSize)
	}
	return o.BlockLen(o.Index(s))
}

const (
	// MaxFileGroup bounds an offer's group: with as many parity blocks,
	// 256 shards, the most the code allows.
	MaxFileGroup   = 128
	fileOfferFixed = 8 + 8 + 2 + 1 + 32 + 2 + 1 + 1
)

// AppendFileOffer appends o as a FILE_OFFER body.
func AppendFileOffer(dst []byte, o FileOffer) []byte {
	dst = append(dst, o.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, o.Size)
	dst = binary.BigEndian.AppendUint16(dst, o.BlockSize)
	dst = append(dst, o.Group)
	dst = append(dst, o.SHA256[:]...)
	dst = binary.BigEndian.AppendUint16(dst, o.Pass)
	dst = append(dst, o.Flags, byte(len(o.Name)))
	return append(dst, o.Name...)
}

// ParseFileOffer reads a FILE_OFFER body.
func ParseFileOffer(body []byte) (FileOffer, error) {
	if len(body) < fileOfferFixed {
		return FileOffer{}, fmt.Errorf("%w: short FILE_OFFER", ErrMalformed)
	}
	var o FileOffer
	copy(o.ID[:], body)
	o.Size = binary.BigEndian.Uint64(body[8:])
	o.BlockSize = binary.BigEndian.Uint16(body[16:])
	o.Group = body[18]
	copy(o.SHA256[:], body[19:51])
	o.Pass = binary.BigEndian.Uint16(body[51:])
	o.Flags = body[53]
	n := int(body[54])
	if len(body) != fileOfferFixed+n {
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER name of %d bytes in %d", ErrMalformed, n, len(body)-fileOfferFixed)
	}
	o.Name = string(body[fileOfferFixed:])
	switch {
	case o.ID == FileID{}:
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER without an id", ErrMalformed)
	case o.BlockSize < MinFileBlockSize || o.BlockSize > MaxFileBlockSize:
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER block size %d", ErrMalformed, o.BlockSize)
	case o.Blocks() > MaxFileBlocks:
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER of %d bytes", ErrMalformed, o.Size)
	case o.Pass == 0:
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER pass 0", ErrMalformed)
	case o.Group == 0 || o.Group > MaxFileGroup || o.Groups() > 1<<56:
		return FileOffer{}, fmt.Errorf("%w: FILE_OFFER group of %d", ErrMalformed, o.Group)
	}
	if err := ValidFileName(o.Name); err != nil {
		return FileOffer{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return o, nil
}

// ValidFileName says whether name is a file's name and nothing more: not
// a path (no separator of any system, not "." or ".."), no control
// characters, valid UTF-8 of at most MaxFileName bytes, not a Windows
// device name (CON, NUL, COM1, …, with or without an extension), and
// not ending in a dot or a space, which Windows drops.
func ValidFileName(name string) error {
	switch {
	case name == "" || len(name) > MaxFileName:
		return fmt.Errorf("a file name must be 1 to %d bytes", MaxFileName)
	case !utf8.ValidString(name):
		return fmt.Errorf("the file name is not valid UTF-8")
	case name == "." || name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.ContainsAny(name, `/\:*?"<>|`):
		return fmt.Errorf("the file name %q contains a path separator or a character Windows refuses", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("the file name contains control characters")
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") || strings.HasPrefix(name, " "):
		return fmt.Errorf("the file name %q begins or ends with a space or ends with a dot", name)
	case filepath.Base(name) != name:
		return fmt.Errorf("%q is a path, not a file name", name)
	}
	stem := strings.ToUpper(name)
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return fmt.Errorf("%q is a device name on Windows", name)
	}
	return nil
}

// FileBlock is the body of a FILE_BLOCK (its index is the header's seq).
type FileBlock struct {
	ID   FileID
	Data []byte // aliases the datagram
}

// AppendFileBlock appends a FILE_BLOCK body.
func AppendFileBlock(dst []byte, id FileID, data []byte) []byte {
	dst = append(dst, id[:]...)
	return append(dst, data...)
}

// ParseFileBlock reads a FILE_BLOCK body. Whether the block's length and
// index fit its file is for the holder of the offer to check.
func ParseFileBlock(body []byte) (FileBlock, error) {
	if len(body) <= 8 || len(body) > 8+MaxFileBlockSize {
		return FileBlock{}, fmt.Errorf("%w: FILE_BLOCK body of %d bytes", ErrMalformed, len(body))
	}
	var b FileBlock
	copy(b.ID[:], body)
	if b.ID == (FileID{}) {
		return FileBlock{}, fmt.Errorf("%w: FILE_BLOCK without an id", ErrMalformed)
	}
	b.Data = body[8:]
	return b, nil
}

// FileNack asks Target (the file's sender) for what a receiver still
// needs of its file ID: Needs[i] blocks of group Base+i (0: that group is
// whole). The sender answers with as many new parity blocks of each
// group as any receiver needs: one parity block repairs a different lost
// block at each receiver.
type FileNack struct {
	Target SenderID
	ID     FileID
	Base   uint64
	Needs  []byte // aliases the datagram when parsed
}

// MaxFileNackGroups bounds the groups one FILE_NACK speaks of.
const MaxFileNackGroups = 1024

// AppendFileNack appends a FILE_NACK body (the needs cut to their limit).
func AppendFileNack(dst []byte, n FileNack) []byte {
	dst = append(dst, n.Target[:]...)
	dst = append(dst, n.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, n.Base)
	return append(dst, n.Needs[:min(len(n.Needs), MaxFileNackGroups)]...)
}

// ParseFileNack reads a FILE_NACK body.
func ParseFileNack(body []byte) (FileNack, error) {
	const fixed = 8 + 8 + 8
	if len(body) <= fixed || len(body) > fixed+MaxFileNackGroups {
		return FileNack{}, fmt.Errorf("%w: FILE_NACK body of %d bytes", ErrMalformed, len(body))
	}
	var n FileNack
	copy(n.Target[:], body)
	copy(n.ID[:], body[8:])
	n.Base = binary.BigEndian.Uint64(body[16:])
	n.Needs = body[fixed:]
	if n.Target.IsZero() || n.ID == (FileID{}) {
		return FileNack{}, fmt.Errorf("%w: FILE_NACK without a target or a file", ErrMalformed)
	}
	return n, nil
}

// FileStatus is what a FILE_DONE says.
type FileStatus uint8

// Statuses and reasons of FILE_DONE.
const (
	FileHave   FileStatus = 1 // has the file, SHA-256 equal
	FileFailed FileStatus = 2 // will not have it: Reason says why
)

// FileReason says why a receiver failed.
type FileReason uint8

// Reasons a receiver gives for FileFailed.
const (
	FileReasonWrite    FileReason = 1 // disk full or a write error
	FileReasonTooLarge FileReason = 2 // over the receiver's size limit
	FileReasonName     FileReason = 3 // a name it refuses
	FileReasonHash     FileReason = 4 // all blocks, but the SHA-256 differs
	FileReasonCanceled FileReason = 5 // the user cancelled
)

// FileDone tells Target (the file's sender) how its file ID ended here.
type FileDone struct {
	Target SenderID
	ID     FileID
	Status FileStatus
	Reason FileReason // FileFailed only
}

// AppendFileDone appends a FILE_DONE body.
func AppendFileDone(dst []byte, d FileDone) []byte {
	dst = append(dst, d.Target[:]...)
	dst = append(dst, d.ID[:]...)
	return append(dst, byte(d.Status), byte(d.Reason))
}

// ParseFileDone reads a FILE_DONE body.
func ParseFileDone(body []byte) (FileDone, error) {
	if len(body) != 18 {
		return FileDone{}, fmt.Errorf("%w: FILE_DONE body of %d bytes", ErrMalformed, len(body))
	}
	var d FileDone
	copy(d.Target[:], body)
	copy(d.ID[:], body[8:])
	d.Status, d.Reason = FileStatus(body[16]), FileReason(body[17])
	switch {
	case d.Target.IsZero() || d.ID == (FileID{}):
		return FileDone{}, fmt.Errorf("%w: FILE_DONE without a target or a file", ErrMalformed)
	case d.Status == FileHave && d.Reason != 0, d.Status == FileFailed && (d.Reason == 0 || d.Reason > FileReasonCanceled),
		d.Status != FileHave && d.Status != FileFailed:
		return FileDone{}, fmt.Errorf("%w: FILE_DONE status %d reason %d", ErrMalformed, d.Status, d.Reason)
	}
	return d, nil
}
