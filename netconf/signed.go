package netconf

import (
	"net/netip"
	"time"

	"github.com/groupcast/groupcast/netconf/wire"
)

// refuseVersion refuses a datagram of another wire version, saying
// which side must be updated.
func (e *Engine) refuseVersion(now time.Time, v uint8, src netip.AddrPort) {
	add(&e.stats.Rejected, 1)
	r := UnreadableOlderVersion
	if v > wire.Version {
		r = UnreadableNewerVersion
	}
	e.refuse(now, r, "", src.Addr())
}
