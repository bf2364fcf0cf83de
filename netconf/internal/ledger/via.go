package ledger

import "net/netip"

// ChargeTo makes what is charged to label (the source a member gives a
// datagram a bridge passed on, wire.Label) charged to payer instead: the
// bridge's own address, when it is not one this member can verify
// (docs/BRIDGE.md). Then a computer posing as a bridge, whatever
// senders elsewhere it makes up, has one computer's allowance and is
// named by its address in every refusal. An invalid payer charges label
// itself again (a bridge verified by the site's bridge key vouches for
// where it was sent). The gate sets it for each forwarded datagram
// before any part charges it; the table is bounded by MaxHosts and
// starts again past it (what a label holds stays with the account it was
// taken from: a Counter keeps it).
func (l *Ledger) ChargeTo(label, payer netip.Addr) {
	if !payer.IsValid() {
		delete(l.via, label)
		return
	}
	if _, ok := l.via[label]; !ok && len(l.via) >= l.max {
		clear(l.via)
	}
	l.via[label] = payer
}

// payer is whose account a charge to host goes to.
func (l *Ledger) payer(host netip.Addr) netip.Addr {
	if p, ok := l.via[host]; ok {
		return p
	}
	return host
}
