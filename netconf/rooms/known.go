package rooms

import (
	"crypto/ed25519"
	"fmt"
	"hash/fnv"
	"net/netip"
	"sort"
	"strings"

	"github.com/groupcast/groupcast/netconf"
)

// MaxKnown bounds how many rooms (and remembered deletions) a directory
// holds: a flood of fake entries takes no more, and the oldest go first.
const MaxKnown = 256

// Known is what a directory has heard: the rooms announced on the
// network, with the rules that keep one computer from hiding or taking
// over another's room.
//
//   - A room with a presenter key is known by its name and that key: an
//     entry from another key, even with the same name, group and presenter
//     nickname, is another room, never a change to this one.
//   - A deletion removes only the entry it names, and a signed room only
//     when its presenter signed the deletion (ParseSAP checks the
//     signature, which covers the deletion flag).
//   - An entry or deletion older (by its session version) than what is
//     held for the room is a recording of an earlier run, and ignored.
//
// Known is not safe for concurrent use.
type Known struct {
	rooms   map[knownKey]netconf.Room
	deleted map[knownKey]uint64 // version of the last deletion, per signed room
	order   []knownKey          // first heard first
}

// knownKey identifies a room: name and presenter key when it has one;
// otherwise name, group and the computer announcing it.
type knownKey struct {
	name, key string
	group     netip.AddrPort
	origin    netip.Addr
}

func keyOf(r netconf.Room) knownKey {
	if len(r.PresenterKey) == ed25519.PublicKeySize {
		return knownKey{name: r.Name, key: string(r.PresenterKey)}
	}
	return knownKey{name: r.Name, group: r.Group, origin: r.Origin}
}

// NewKnown returns an empty directory.
func NewKnown() *Known {
	return &Known{rooms: map[knownKey]netconf.Room{}, deleted: map[knownKey]uint64{}}
}

// Apply records an announcement (or deletion) read by ParseSAP. It
// reports whether the list changed.
func (k *Known) Apply(r netconf.Room, deletion bool) bool {
	id := keyOf(r)
	old, held := k.rooms[id]
	if id.key != "" && (held && r.Version < old.Version || r.Version < k.deleted[id]) {
		return false // from an earlier run of the room
	}
	if deletion {
		if !held {
			if id.key != "" {
				k.remember(id, r.Version)
			}
			return false
		}
		delete(k.rooms, id)
		k.order = remove(k.order, id)
		if id.key != "" {
			k.remember(id, r.Version)
		}
		return true
	}
	if held && r.Remote && !old.Remote {
		r.Remote = false // heard here too (and passed on through NATS by a bridge): this network's
	}
	if !held {
		if len(k.rooms) >= MaxKnown {
			oldest := k.order[0]
			delete(k.rooms, oldest)
			k.order = k.order[1:]
		}
		k.order = append(k.order, id)
	}
	k.rooms[id] = r
	return !held || !sameRoom(old, r)
}

// remember keeps the version of a signed room's deletion, within MaxKnown.
func (k *Known) remember(id knownKey, version uint64) {
	if len(k.deleted) >= MaxKnown {
		clear(k.deleted) // rare: a flood of deletions; recordings may then list a room again until it times out
	}
	k.deleted[id] = max(k.deleted[id], version)
}

func remove(order []knownKey, id knownKey) []knownKey {
	for i, o := range order {
		if o == id {
			return append(order[:i], order[i+1:]...)
		}
	}
	return order
}

func sameRoom(a, b netconf.Room) bool {
	return a.Name == b.Name && a.Group == b.Group && a.TTL == b.TTL && a.Presenter == b.Presenter &&
		a.Locked == b.Locked && a.ReadOnly == b.ReadOnly && a.Origin == b.Origin && a.Version == b.Version
}

// List is the rooms known, by name, then in the order they were first
// heard.
func (k *Known) List() []netconf.Room {
	list := make([]netconf.Room, 0, len(k.order))
	for _, id := range k.order {
		list = append(list, k.rooms[id])
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// Claimed reports whether more than one room is announced as name.
func (k *Known) Claimed(name string) bool { return len(k.named(name)) > 1 }

func (k *Known) named(name string) []netconf.Room {
	var out []netconf.Room
	for _, id := range k.order {
		if id.name == name {
			out = append(out, k.rooms[id])
		}
	}
	return out
}

// Lookup returns the room called name. When several are announced under
// that name it fails with an AmbiguousError rather than pick one: the
// second may be a student's copy of the teacher's room.
func (k *Known) Lookup(name string) (netconf.Room, bool, error) {
	rs := k.named(name)
	switch len(rs) {
	case 0:
		return netconf.Room{}, false, nil
	case 1:
		return rs[0], true, nil
	}
	return netconf.Room{}, true, &AmbiguousError{Name: name, Rooms: rs}
}

// AmbiguousError says that several rooms are announced under one name.
type AmbiguousError struct {
	Name  string
	Rooms []netconf.Room
}

func (e *AmbiguousError) Error() string {
	var who []string
	for _, r := range e.Rooms {
		who = append(who, Describe(r))
	}
	return fmt.Sprintf("%d rooms are announced as %q (%s): one may be an impostor: ask the presenter which key is theirs", len(e.Rooms), e.Name, strings.Join(who, "; "))
}

// Describe is a room's label with who announces it: its presenter key's
// fingerprint, or the computer for a room without one.
func Describe(r netconf.Room) string {
	if len(r.PresenterKey) == ed25519.PublicKeySize {
		fp := Fingerprint(r.PresenterKey)
		return r.Label() + ", key " + fp
	}
	return r.Label() + ", from " + r.Origin.String()
}

// FreeGroup picks a group for a new room called name: an address in
// 239.255.16.0-239.255.254.255 (organisation-local, past the ones people
// type, so never the default group nor the SAP group) derived from the
// name, on the default port, so that the same name gets the same group on
// every run (a restarted presenter lands where its students still are),
// skipping groups that rooms of other names in taken hold.
func FreeGroup(name string, taken []netconf.Room) netip.AddrPort {
	used := map[netip.AddrPort]bool{}
	for _, r := range taken {
		if r.Name != name {
			used[r.Group] = true
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	n := h.Sum32()
	const span = (254 - 16 + 1) * 256
	for i := uint32(0); ; i++ {
		v := (n + i*7919) % span // 7919 is prime: every address is tried once
		g := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 255, byte(16 + v/256), byte(v % 256)}), netconf.DefaultGroup.Port())
		if !used[g] || i >= span {
			return g
		}
	}
}
