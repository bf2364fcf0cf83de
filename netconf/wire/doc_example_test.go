package wire_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf/wire"
)

// TestProtocolDocExample keeps the example in docs/PROTOCOL.md true:
// encoding the packet the text describes gives exactly its bytes, and
// they decode back to that packet.
func TestProtocolDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## Example")
	if !ok {
		t.Fatal("no example section")
	}
	_, block, _ := strings.Cut(after, "```\n")
	block, _, _ = strings.Cut(block, "```")
	b, err := hex.DecodeString(strings.Join(strings.Fields(block), ""))
	if err != nil {
		t.Fatalf("example hex: %v", err)
	}
	want := wire.Packet{
		Kind: wire.KindData, Sender: wire.SenderID{1, 2, 3, 4, 5, 6, 7, 8}, Seq: 1,
		Time: 1_764_000_000_000_000, Nick: "Alice", Body: []byte("hi"),
	}
	enc, err := wire.AppendEncode(nil, &want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, enc) {
		t.Fatalf("doc example:\n% x\nencoder:\n% x", b, enc)
	}
	got, err := wire.Decode(b)
	if err != nil || got.Kind != want.Kind || got.Sender != want.Sender || got.Seq != want.Seq ||
		got.Time != want.Time || got.Nick != want.Nick || !bytes.Equal(got.Body, want.Body) {
		t.Fatalf("doc example decodes to %+v, %v", got, err)
	}
}
