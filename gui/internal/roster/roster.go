// Package roster is the window's list of who is in the group: nickname
// (in the sender's colour, as in the chat log), host, and when each was
// last heard. Two people with one nickname are told apart by their host.
package roster

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
)

// View is the roster widget: a title saying how many are there, above
// one row per peer: the nickname with its host and status below it, or,
// when that many rows would not fit, one dense line each (the nickname,
// cut with an ellipsis, and a short status beside it).
type View struct {
	peers []netconf.Peer
	// Nicknames of the room's presenter, proven by its key: another member
	// under one of them is marked as not the presenter.
	presenters map[string]bool
	title      *widget.Label
	list       *widget.List
	box        fyne.CanvasObject
	now        func() time.Time
	// The list's size, and the heights of a row with and without its
	// second line; compact: one line a member.
	size          fyne.Size
	full, oneLine float32
	compact       bool
}

// New returns an empty roster; now tells how long ago a peer was heard.
func New(now func() time.Time) *View {
	r := &View{now: now}
	r.title = widget.NewLabelWithStyle(lang.L("Nobody here yet"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.list = widget.NewList(func() int { return len(r.peers) }, newRow, r.updateRow)
	r.list.HideSeparators = true
	tmpl := newRow().(*fyne.Container)
	r.full = tmpl.MinSize().Height
	tmpl.Objects[1].Hide()
	r.oneLine = tmpl.MinSize().Height
	r.box = container.NewBorder(container.NewVBox(r.title, widget.NewSeparator()), nil, nil, nil,
		container.New(watcher{r}, r.list))
	return r
}

// watcher lays out the list and tells the roster its size, which decides
// how dense the rows are.
type watcher struct{ r *View }

func (w watcher) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Resize(size)
	if size != w.r.size {
		w.r.size = size
		w.r.density()
	}
}

func (w watcher) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

// density makes the rows one line each when the members would not all
// fit with two.
func (r *View) density() {
	compact := r.size.Height > 0 && float32(len(r.peers))*r.full > r.size.Height
	h := r.full
	if compact {
		h = r.oneLine
	}
	for id := range r.peers {
		r.list.SetItemHeight(id, h)
	}
	if compact != r.compact {
		r.compact = compact
		r.list.Refresh()
	}
}

// Object is what to put in the window.
func (r *View) Object() fyne.CanvasObject { return r.box }

func newRow() fyne.CanvasObject {
	nick := canvas.NewText("nickname", theme.Color(theme.ColorNameForeground))
	nick.TextStyle = fyne.TextStyle{Bold: true}
	mark := canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	mark.TextSize = theme.CaptionTextSize()
	detail := widget.NewLabel("198.18.0.100 · now")
	detail.SizeName = theme.SizeNameCaptionText
	detail.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewPadded(container.NewBorder(nil, nil, nil, mark, nick)), detail)
}

func (r *View) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(r.peers) {
		return
	}
	p := r.peers[id]
	box := o.(*fyne.Container)
	line := box.Objects[0].(*fyne.Container).Objects[0].(*fyne.Container)
	nick, mark := line.Objects[0].(*canvas.Text), line.Objects[1].(*canvas.Text)
	detail := box.Objects[1].(*widget.Label)
	name := p.Nick
	if p.Self {
		name += lang.L(" (you)")
		nick.Color = chatlog.ThemeColour(theme.ColorNamePrimary)
	} else {
		nick.Color = chatlog.Palette(chatlog.SenderColour(p.Nick))
	}
	mark.Text, mark.Color = "", chatlog.ThemeColour(theme.ColorNamePlaceHolder)
	if r.compact {
		mark.Text = r.short(p)
		detail.Hide()
	} else {
		detail.Show()
		detail.SetText(r.detail(p))
	}
	room := r.size.Width - 4*theme.Padding() - fyne.MeasureText(mark.Text, mark.TextSize, mark.TextStyle).Width
	nick.Text = fit(name, room, nick.TextSize, nick.TextStyle)
	nick.Refresh()
	mark.Refresh()
}

// fit cuts s with an ellipsis to fit width w (as it is: no width known yet).
func fit(s string, w, size float32, style fyne.TextStyle) string {
	if w <= 0 || fyne.MeasureText(s, size, style).Width <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && fyne.MeasureText(string(rs)+"…", size, style).Width > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// short is a member's status in a dense row: what its second line would
// say that matters most, and how it is reached when not on this network.
func (r *View) short(p netconf.Peer) string {
	var parts []string
	switch {
	case p.Presenter:
		parts = append(parts, lang.L("presenter"))
	case r.presenters[p.Nick]:
		parts = append(parts, lang.L("not presenter"))
	}
	if p.Self {
		return strings.Join(parts, " · ")
	}
	switch reach, _ := netconf.ReachOf(p.Host); reach {
	case netconf.ReachBridge:
		parts = append(parts, lang.L("other network"))
	case netconf.ReachNATS:
		parts = append(parts, "NATS")
	}
	if !p.Presenter && !r.presenters[p.Nick] {
		if ago := r.now().Sub(p.LastHeard); ago >= 2*time.Second {
			if ago < time.Minute {
				parts = append(parts, fmt.Sprintf("%ds", int(ago.Seconds())))
			} else {
				parts = append(parts, fmt.Sprintf("%dm", int(ago.Minutes())))
			}
		}
	}
	return strings.Join(parts, " · ")
}

// HostName says where the computer at host is, in the window's language:
// its address on this network; "10.0.2.7 on another network" for a
// member a bridge passes on (netconf.ReachOf), "through NATS" for one
// joined through a NATS server; "this computer" for 0.0.0.0 (what came
// over loopback). It reads inside a sentence: "Bob (…) joined."
func HostName(host netip.Addr) string {
	if !host.IsValid() {
		return lang.L("unknown host")
	}
	switch reach, h := netconf.ReachOf(host); reach {
	case netconf.ReachBridge:
		return lang.L("{{.Host}} on another network", map[string]any{"Host": h.String()})
	case netconf.ReachNATS:
		return lang.L("through NATS")
	}
	if host.IsUnspecified() {
		return lang.L("this computer")
	}
	return host.String()
}

// where is the start of a member's second line: its address, and how it
// is reached when not on this network ("10.0.2.7 · another network",
// "through NATS").
func where(p netconf.Peer) string {
	if !p.Host.IsValid() || p.Host.IsUnspecified() {
		return lang.L("this computer") // or, from 0.0.0.0, over loopback
	}
	switch reach, h := netconf.ReachOf(p.Host); reach {
	case netconf.ReachBridge:
		return lang.L("{{.Host}} · another network", map[string]any{"Host": h.String()})
	case netconf.ReachNATS:
		return lang.L("through NATS")
	}
	return p.Host.String()
}

func (r *View) detail(p netconf.Peer) string {
	host := where(p)
	switch {
	case p.Presenter: // proven by its key
		host += lang.L(" · presenter")
	case r.presenters[p.Nick]: // named like the presenter, and not it: an impostor, or a namesake
		host += lang.L(" · not the presenter")
	}
	if p.Self {
		return host
	}
	ago := r.now().Sub(p.LastHeard)
	switch {
	case ago < 2*time.Second:
		return host + lang.L(" · active")
	case ago < time.Minute:
		return host + lang.L(" · heard {{.S}}s ago", map[string]any{"S": int(ago.Seconds())})
	default:
		return host + lang.L(" · heard {{.M}}m ago", map[string]any{"M": int(ago.Minutes())})
	}
}

// Set shows peers: ourselves first, then by nickname and host.
func (r *View) Set(peers []netconf.Peer) {
	r.peers = append(r.peers[:0], peers...)
	clear(r.presenters)
	for _, p := range r.peers {
		if p.Presenter {
			if r.presenters == nil {
				r.presenters = map[string]bool{}
			}
			r.presenters[p.Nick] = true
		}
	}
	sort.SliceStable(r.peers, func(i, j int) bool {
		a, b := r.peers[i], r.peers[j]
		if a.Self != b.Self {
			return a.Self
		}
		if a.Nick != b.Nick {
			return a.Nick < b.Nick
		}
		return a.Host.Less(b.Host)
	})
	r.title.SetText(title(r.peers))
	r.density()
	r.list.Refresh()
}

// title counts the others as receipts count PCs: "In the group: you and
// 5 others", and "… 7 others on 5 PCs" when some PC runs more than one.
func title(peers []netconf.Peer) string {
	others, pcs := 0, map[netip.Addr]bool{}
	for _, p := range peers {
		if !p.Self {
			others++
			pcs[p.Host] = true
		}
	}
	switch {
	case len(peers) == 0:
		return lang.L("Nobody here yet")
	case others == 0:
		return lang.L("In the group: just you")
	case others == 1:
		return lang.L("In the group: you and 1 other")
	case len(pcs) == others:
		return lang.L("In the group: you and {{.N}} others", map[string]any{"N": others})
	}
	return lang.L("In the group: you and {{.N}} others on {{.PCs}} PCs", map[string]any{"N": others, "PCs": len(pcs)})
}
