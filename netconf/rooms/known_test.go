package rooms

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/groupcast/groupcast/netconf"
)

// heard encodes r as its presenter (sign) would and parses it back, as a
// directory hears it.
func heard(t *testing.T, r netconf.Room, deletion bool, sign ed25519.PrivateKey) netconf.Room {
	t.Helper()
	b, err := AppendSAP(nil, r, deletion, sign)
	if err != nil {
		t.Fatal(err)
	}
	got, del, err := ParseSAP(b)
	if err != nil || del != deletion {
		t.Fatalf("parse: %v (deletion %v)", err, del)
	}
	return got
}

func physics(key ed25519.PublicKey, version uint64) netconf.Room {
	return netconf.Room{Name: "Physics 101", Group: netip.MustParseAddrPort("239.255.20.1:2020"), Presenter: "Ms Lee",
		PresenterKey: key, ReadOnly: true, Origin: netip.MustParseAddr("198.18.0.2"), Version: version}
}

// TestImpostorRoomIsNotTaken: a student announcing the teacher's room
// with a key of their own (same name, group, presenter nickname) makes a
// second entry, and looking the name up fails, naming both, instead of
// silently picking the first heard.
func TestImpostorRoomIsNotTaken(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	k := NewKnown()
	k.Apply(heard(t, physics(teacher, 100), false, teacherKey), false)
	if r, ok, err := k.Lookup("Physics 101"); err != nil || !ok || !r.PresenterKey.Equal(teacher) {
		t.Fatalf("the real room: %+v %v %v", r, ok, err)
	}
	fake := physics(student, 100)
	fake.Origin = netip.MustParseAddr("198.18.0.66")
	for range 50 { // every 20 ms, as the attack did
		k.Apply(heard(t, fake, false, studentKey), false)
	}
	if len(k.List()) != 2 || !k.Claimed("Physics 101") {
		t.Fatalf("want two entries for the name, got %d", len(k.List()))
	}
	_, ok, err := k.Lookup("Physics 101")
	var amb *AmbiguousError
	if !ok || !errors.As(err, &amb) || len(amb.Rooms) != 2 {
		t.Fatalf("lookup of a name claimed twice: %v %v", ok, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "key "+Fingerprint(teacher)) || !strings.Contains(msg, "key "+Fingerprint(student)) || !strings.Contains(msg, "impostor") {
		t.Fatalf("the error does not tell the two apart: %s", msg)
	}
}

// TestDeletionOnlyByItsPresenter: an unsigned deletion, or one signed by
// another key, does not hide a signed room; the presenter's own does.
func TestDeletionOnlyByItsPresenter(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	k := NewKnown()
	k.Apply(heard(t, physics(teacher, 100), false, teacherKey), false)

	unsigned := physics(nil, 100)
	k.Apply(heard(t, unsigned, true, nil), true)
	k.Apply(heard(t, physics(student, 100), true, studentKey), true)
	if _, ok, err := k.Lookup("Physics 101"); !ok || err != nil {
		t.Fatalf("a deletion from someone else hid the room: %v %v", ok, err)
	}
	if !k.Apply(heard(t, physics(teacher, 100), true, teacherKey), true) {
		t.Fatal("the presenter's deletion changed nothing")
	}
	if _, ok, _ := k.Lookup("Physics 101"); ok {
		t.Fatal("the presenter's deletion did not remove the room")
	}
}

// TestEarlierRunIsIgnored: a recording of an earlier run of the room (its
// deletion, or its announcement after today's deletion) changes nothing.
func TestEarlierRunIsIgnored(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	yesterday, today := uint64(1_000), uint64(90_000)
	k := NewKnown()
	k.Apply(heard(t, physics(teacher, today), false, teacherKey), false)
	if k.Apply(heard(t, physics(teacher, yesterday), true, teacherKey), true) {
		t.Fatal("yesterday's deletion removed today's room")
	}
	if r, ok, _ := k.Lookup("Physics 101"); !ok || r.Version != today {
		t.Fatalf("today's room: %+v %v", r, ok)
	}
	k.Apply(heard(t, physics(teacher, today), true, teacherKey), true)
	if k.Apply(heard(t, physics(teacher, yesterday), false, teacherKey), false) {
		t.Fatal("yesterday's announcement brought back a room deleted today")
	}
	if k.Apply(heard(t, physics(teacher, today+1), false, teacherKey), false) == false {
		t.Fatal("the next run of the room was not listed")
	}
}

// TestKnownIsBounded: a flood of fake rooms takes MaxKnown entries, the
// oldest going first.
func TestKnownIsBounded(t *testing.T) {
	k := NewKnown()
	for i := range 3 * MaxKnown {
		k.Apply(netconf.Room{Name: fmt.Sprintf("Room %d", i), Group: netconf.DefaultGroup, Origin: netip.MustParseAddr("198.18.0.9")}, false)
	}
	if n := len(k.List()); n != MaxKnown {
		t.Fatalf("%d rooms held; want %d", n, MaxKnown)
	}
	if _, ok, _ := k.Lookup(fmt.Sprintf("Room %d", 3*MaxKnown-1)); !ok {
		t.Fatal("the newest room was dropped")
	}
	if _, ok, _ := k.Lookup("Room 0"); ok {
		t.Fatal("the oldest room was kept")
	}
}

// fakeDiscover hears rooms at once, then listens until ctx ends or wait
// has passed, as Discover does.
func fakeDiscover(rs ...netconf.Room) DiscoverFunc {
	return func(ctx context.Context, _ string, wait time.Duration, found func(netconf.Room, bool)) error {
		for _, r := range rs {
			found(r, false)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		return nil
	}
}

// TestFindRefusesANameClaimedTwice: joining by name does not pick one of
// two rooms announced under it; with one, it is found; with none, the
// error says so.
func TestFindRefusesANameClaimedTwice(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	real, fake := heard(t, physics(teacher, 1), false, teacherKey), heard(t, physics(student, 1), false, studentKey)
	ctx := context.Background()
	wait := 200 * time.Millisecond

	if r, err := Find(ctx, fakeDiscover(real), "", "Physics 101", wait); err != nil || !r.PresenterKey.Equal(teacher) {
		t.Fatalf("one room: %+v %v", r, err)
	}
	var amb *AmbiguousError
	if _, err := Find(ctx, fakeDiscover(real, fake), "", "Physics 101", wait); !errors.As(err, &amb) {
		t.Fatalf("two rooms under one name: %v", err)
	}
	var nf *NotFoundError
	if _, err := Find(ctx, fakeDiscover(real), "", "Chemistry 2B", wait); !errors.As(err, &nf) {
		t.Fatalf("no such room: %v", err)
	}
}

// TestFreeGroup: a room created by name gets a group of its own, the same
// on every run (a restarted presenter lands where the students are), and
// another when a room of another name holds that one.
func TestFreeGroup(t *testing.T) {
	g := FreeGroup("Physics 101", nil)
	if g != FreeGroup("Physics 101", nil) {
		t.Fatal("the same name gave two groups")
	}
	if !g.Addr().IsMulticast() || g == netconf.DefaultGroup || g.Addr() == SAPGroup.Addr() || g.Port() != netconf.DefaultGroup.Port() {
		t.Fatalf("group %v", g)
	}
	if !strings.HasPrefix(g.Addr().String(), "239.255.") {
		t.Fatalf("group %v is not organisation-local", g)
	}
	if FreeGroup("Chemistry 2B", nil) == g {
		t.Fatal("two names share a group")
	}
	chem := netconf.Room{Name: "Chemistry 2B", Group: g}
	if g2 := FreeGroup("Physics 101", []netconf.Room{chem}); g2 == g || !g2.Addr().IsMulticast() {
		t.Fatalf("a group another room holds was given again: %v", g2)
	}
	own := netconf.Room{Name: "Physics 101", Group: g} // our own earlier run
	if FreeGroup("Physics 101", []netconf.Room{own}) != g {
		t.Fatal("the room's own entry made it move")
	}
}

// TestFindOwnIgnoresOthersKeys: the presenter looking for its own room
// takes the one announced with its key, even beside an impostor's, and is
// told its room is not announced when only the impostor's is (it then
// starts its own: a restart while a student announces the name).
func TestFindOwnIgnoresOthersKeys(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	real, fake := heard(t, physics(teacher, 1), false, teacherKey), heard(t, physics(student, 1), false, studentKey)
	ctx, wait := context.Background(), 200*time.Millisecond
	if r, err := FindOwn(ctx, fakeDiscover(fake, real), "", "Physics 101", wait, teacherKey); err != nil || !r.PresenterKey.Equal(teacher) {
		t.Fatalf("beside an impostor: %+v %v", r, err)
	}
	var nf *NotFoundError
	if _, err := FindOwn(ctx, fakeDiscover(fake), "", "Physics 101", wait, teacherKey); !errors.As(err, &nf) || len(nf.Heard) != 1 {
		t.Fatalf("only the impostor's: %v", err)
	}
}

// TestFindOwnWithoutKeyIsFind: a member who does not present (nil key)
// finds rooms as Find does.
func TestFindOwnWithoutKeyIsFind(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	real := heard(t, physics(teacher, 1), false, teacherKey)
	if r, err := FindOwn(context.Background(), fakeDiscover(real), "", "Physics 101", 100*time.Millisecond, nil); err != nil || !r.PresenterKey.Equal(teacher) {
		t.Fatalf("%+v %v", r, err)
	}
}

// TestFindPinned: with the teacher's key named (a lab's settings), the
// teacher's room is taken beside an impostor's without asking, and when
// only the impostor's is announced it is refused and named.
func TestFindPinned(t *testing.T) {
	teacher, teacherKey, _ := ed25519.GenerateKey(nil)
	student, studentKey, _ := ed25519.GenerateKey(nil)
	real, fake := heard(t, physics(teacher, 1), false, teacherKey), heard(t, physics(student, 1), false, studentKey)
	ctx, wait, pin := context.Background(), 200*time.Millisecond, Fingerprint(teacher)
	if err := ValidFingerprint(pin); err != nil {
		t.Fatal(err)
	}
	if r, err := FindPinned(ctx, fakeDiscover(fake, real), "", "Physics 101", wait, pin); err != nil || !r.PresenterKey.Equal(teacher) {
		t.Fatalf("beside an impostor: %+v %v", r, err)
	}
	_, err := FindPinned(ctx, fakeDiscover(fake), "", "Physics 101", wait, pin)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "key "+Fingerprint(student)) || !strings.Contains(err.Error(), "impostor") {
		t.Fatalf("only the impostor's: %v", err)
	}
	if ValidFingerprint("not a key") == nil {
		t.Fatal("a bad fingerprint was accepted")
	}
}
