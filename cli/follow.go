package cli

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/netip"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/rooms"
)

// roomNews takes what the watch of the room reported while joined: a
// room of its name with another key is warned of, and when the room
// moved to another group (its presenter started it again elsewhere) the
// membership follows it. It reports whether the session ended.
func (s *session) roomNews(ctx context.Context) (ended bool) {
	evs, moved := s.watch.news()
	for _, ev := range evs {
		if ev.Kind == rooms.Ignored {
			s.out.roomIgnored(ev.Room)
		}
	}
	if moved == nil || moved.Group == s.cfg.Group {
		return false
	}
	return !s.move(ctx, *moved)
}

// move leaves the group and joins the room's new one.
func (s *session) move(ctx context.Context, r netconf.Room) bool {
	s.out.roomMoved(r, s.cfg.Group)
	s.leave(false)
	if s.status != ExitOK || ctx.Err() != nil {
		return false
	}
	cfg := s.cfg
	cfg.Group, cfg.TTL, cfg.Room = r.Group, max(r.TTL, 1), &r
	return s.join(ctx, cfg)
}

// jsonRoomMoved is the room_moved event.
type jsonRoomMoved struct {
	Event string `json:"event"` // "room_moved"
	Name  string `json:"name"`
	From  string `json:"from"`
	Group string `json:"group"`
	Key   string `json:"presenter_key,omitempty"`
}

// roomMoved says that the room moved from the group from to r's, and is
// followed there.
func (p *printer) roomMoved(r netconf.Room, from netip.AddrPort) {
	p.endProgress()
	if p.json != nil {
		j := jsonRoomMoved{Event: "room_moved", Name: r.Name, From: from.String(), Group: r.Group.String()}
		if len(r.PresenterKey) == ed25519.PublicKeySize {
			j.Key = rooms.Fingerprint(r.PresenterKey)
		}
		_ = p.json.Encode(j)
		p.flush()
	}
	fmt.Fprintf(p.stderr, "%s moved from %s to %s: following it\n", r.Name, from, r.Group)
}

// roomIgnored warns of a room of the name with another key than the one
// -room-key names.
func (p *printer) roomIgnored(r netconf.Room) {
	p.endProgress()
	fmt.Fprintln(p.stderr, ignoredLine(r))
}
