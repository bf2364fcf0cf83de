// Package rooms is the room directory: rooms announced by name with the
// Session Announcement Protocol (RFC 2974) carrying a Session Description
// (RFC 4566), on the organisation-local SAP group, so standard session
// directories can list them too; the announcer, the discovery, and the
// presenter's key file.
package rooms

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// SAPGroup is where rooms are announced.
var SAPGroup = netip.MustParseAddrPort("239.255.255.255:9875")

// SDP attributes of ours (RFC 4566 allows private "a=" attributes).
const (
	attrTool      = "tool"
	attrPresenter = "x-groupcast-presenter"
	attrKey       = "x-groupcast-presenter-key"
	attrLocked    = "x-groupcast-locked"
	attrReadOnly  = "x-groupcast-readonly"
	attrSig       = "x-groupcast-sig"
	sapSDPType    = "application/sdp"
)

// ErrNotRoom means a SAP packet is not a Groupcast room (another
// directory's session, or not SAP at all).
var ErrNotRoom = errors.New("not a Groupcast room announcement")

// What a presenter's signature of a room entry covers, before the
// description: whether the entry announces the room or deletes it, so a
// captured announcement cannot be turned into a deletion by its header's
// flag (docs/CLASSROOM.md, "Room entries").
const (
	sigAnnounce = "groupcast/v1 room\x00"
	sigDelete   = "groupcast/v1 room deletion\x00"
)

// signedBytes is what the presenter signs for an entry with description
// text.
func signedBytes(text string, deletion bool) []byte {
	if deletion {
		return append([]byte(sigDelete), text...)
	}
	return append([]byte(sigAnnounce), text...)
}

// sessionID derives a stable session id from the room's name and group,
// so restarts announce the same session.
func sessionID(r netconf.Room) uint64 {
	if r.SessionID != 0 {
		return r.SessionID
	}
	h := fnv.New64a()
	h.Write([]byte(r.Name + "\x00" + r.Group.String()))
	return h.Sum64() >> 1 // SDP ids are decimal; keep them positive
}

// AppendSAP encodes the room as a SAP announcement (or deletion), signed
// with the presenter's key when one is given.
func AppendSAP(dst []byte, r netconf.Room, deletion bool, sign ed25519.PrivateKey) ([]byte, error) {
	text, err := roomSDP(r, deletion, sign)
	if err != nil {
		return dst, err
	}
	flags := byte(1 << 5) // version 1, IPv4, announcement
	if deletion {
		flags |= 1 << 2
	}
	origin := r.Origin
	if !origin.Is4() {
		origin = netip.IPv4Unspecified()
	}
	id := sessionID(r)
	dst = append(dst, flags, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(id^id>>16^id>>32^id>>48)^uint16(r.Version))
	o4 := origin.As4()
	dst = append(dst, o4[:]...)
	dst = append(dst, sapSDPType...)
	dst = append(dst, 0)
	dst = append(dst, text...)
	if len(dst) > wire.MaxDatagram {
		return nil, fmt.Errorf("room announcement of %d bytes is too large", len(dst))
	}
	return dst, nil
}

func roomSDP(r netconf.Room, deletion bool, sign ed25519.PrivateKey) ([]byte, error) {
	if err := wire.ValidNick(r.Name); err != nil {
		return nil, &netconf.InputError{Field: "room", Msg: fmt.Sprintf("a room name must be 1 to %d bytes of text without control characters", wire.MaxNickBytes)}
	}
	ttl := max(r.TTL, 1)
	origin := r.Origin
	if !origin.Is4() {
		origin = netip.IPv4Unspecified()
	}
	d := sdp.SessionDescription{
		Origin: sdp.Origin{Username: "-", SessionID: sessionID(r), SessionVersion: r.Version,
			NetworkType: "IN", AddressType: "IP4", UnicastAddress: origin.String()},
		SessionName: sdp.SessionName(r.Name),
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: "IP4",
			Address: &sdp.Address{Address: r.Group.Addr().String(), TTL: &ttl}},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName: sdp.MediaName{Media: "application", Port: sdp.RangedPort{Value: int(r.Group.Port())},
				Protos: []string{"UDP"}, Formats: []string{"groupcast"}},
		}},
	}
	info := sdp.Information("Groupcast room")
	d.SessionInformation = &info
	d.WithValueAttribute(attrTool, "groupcast")
	if r.Presenter != "" {
		d.WithValueAttribute(attrPresenter, r.Presenter)
	}
	if len(r.PresenterKey) == ed25519.PublicKeySize {
		d.WithValueAttribute(attrKey, base64.StdEncoding.EncodeToString(r.PresenterKey))
	}
	if r.Locked {
		d.WithValueAttribute(attrLocked, "1")
	}
	if r.ReadOnly {
		d.WithValueAttribute(attrReadOnly, "1")
	}
	text, err := d.Marshal()
	if err != nil {
		return nil, fmt.Errorf("describe room: %w", err)
	}
	if sign != nil {
		// The signature covers the description above it and whether this
		// is a deletion, so nobody without the presenter's key can alter
		// the entry or delete it (docs/CLASSROOM.md, "Room entries").
		sig := ed25519.Sign(sign, signedBytes(string(text), deletion))
		text = append(text, "a="+attrSig+":"+base64.StdEncoding.EncodeToString(sig)+"\r\n"...)
	}
	return text, nil
}

// ParseSAP reads a SAP packet carrying one of our rooms.
func ParseSAP(b []byte) (r netconf.Room, deletion bool, err error) {
	text, deletion, err := parseSAPHeader(b, &r)
	if err != nil {
		return r, false, err
	}
	signed, sig := splitSig(text)
	var d sdp.SessionDescription
	if err := d.UnmarshalString(signed); err != nil {
		return r, false, ErrNotRoom
	}
	if err := roomFromSDP(&d, &r); err != nil {
		return r, false, err
	}
	if err := checkPresenterKey(&d, &r, signedBytes(signed, deletion), sig); err != nil {
		return r, false, err
	}
	return r, deletion, nil
}

// parseSAPHeader reads the SAP header (RFC 2974) of b, setting r's
// origin, and returns the session description it carries.
func parseSAPHeader(b []byte, r *netconf.Room) (text string, deletion bool, err error) {
	if len(b) < 8 || b[0]>>5 != 1 {
		return "", false, ErrNotRoom
	}
	if b[0]&(1<<4) != 0 || b[0]&0x3 != 0 { // IPv6 origin, encrypted or compressed
		return "", false, ErrNotRoom
	}
	deletion = b[0]&(1<<2) != 0
	authLen := int(b[1]) * 4
	rest := b[4:]
	if len(rest) < 4+authLen {
		return "", false, ErrNotRoom
	}
	r.Origin = netip.AddrFrom4([4]byte(rest[:4]))
	rest = rest[4+authLen:]
	if i := strings.IndexByte(string(rest[:min(len(rest), 64)]), 0); i >= 0 {
		if string(rest[:i]) != sapSDPType {
			return "", false, ErrNotRoom
		}
		rest = rest[i+1:]
	}
	return string(rest), deletion, nil
}

// roomFromSDP fills r from a session description, which must be one of
// our rooms: named, on a multicast group, with one media line.
func roomFromSDP(d *sdp.SessionDescription, r *netconf.Room) error {
	if tool, _ := d.Attribute(attrTool); tool != "groupcast" || len(d.MediaDescriptions) != 1 || d.ConnectionInformation == nil || d.ConnectionInformation.Address == nil {
		return ErrNotRoom
	}
	r.Name = string(d.SessionName)
	if wire.ValidNick(r.Name) != nil {
		return ErrNotRoom
	}
	host, ttlText, _ := strings.Cut(d.ConnectionInformation.Address.Address, "/") // "239.255.20.1/1"
	addr, err := netconf.ParseGroupAddr(host)
	if err != nil {
		return ErrNotRoom
	}
	port := d.MediaDescriptions[0].MediaName.Port.Value
	if port < 1 || port > 65535 {
		return ErrNotRoom
	}
	r.Group = netip.AddrPortFrom(addr, uint16(port))
	if t := d.ConnectionInformation.Address.TTL; t != nil {
		r.TTL = *t
	} else if n, err := strconv.Atoi(ttlText); err == nil && netconf.ValidateTTL(n) == nil {
		r.TTL = n
	}
	r.SessionID, r.Version = d.Origin.SessionID, d.Origin.SessionVersion
	r.Presenter, _ = d.Attribute(attrPresenter)
	if wire.ValidNick(r.Presenter) != nil {
		r.Presenter = ""
	}
	_, r.Locked = d.Attribute(attrLocked)
	_, r.ReadOnly = d.Attribute(attrReadOnly)
	return nil
}

// checkPresenterKey sets r's presenter key from the description, if it
// names one, and then requires sig to be that key's signature of signed.
func checkPresenterKey(d *sdp.SessionDescription, r *netconf.Room, signed, sig []byte) error {
	k, ok := d.Attribute(attrKey)
	if !ok {
		return nil
	}
	key, err := base64.StdEncoding.DecodeString(k)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return ErrNotRoom
	}
	r.PresenterKey = key
	// An entry naming a presenter key must be signed by it.
	if sig == nil || !ed25519.Verify(key, signed, sig) {
		return ErrNotRoom
	}
	return nil
}

// splitSig separates our signature line from the description it signs.
func splitSig(text string) (signed string, sig []byte) {
	marker := "a=" + attrSig + ":"
	i := strings.LastIndex(text, marker)
	if i < 0 {
		return text, nil
	}
	line := strings.TrimRight(text[i+len(marker):], "\r\n")
	s, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(s) != ed25519.SignatureSize {
		return text[:i], nil
	}
	return text[:i], s
}
