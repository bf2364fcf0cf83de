// Package roster is the window's list of who is in the group: nickname
// (in the sender's colour, as in the chat log), host, and when each was
// last heard. Two people with one nickname are told apart by their host.
package roster

import (
	"fmt"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/netconf"
)

// View is the roster widget: a title saying how many are there, above
// one row per peer.
type View struct {
	peers []netconf.Peer
	// Nicknames of the room's presenter, proven by its key: another member
	// under one of them is marked as not the presenter.
	presenters map[string]bool
	title      *widget.Label
	list       *widget.List
	box        fyne.CanvasObject
	now        func() time.Time
}

// New returns an empty roster; now tells how long ago a peer was heard.
func New(now func() time.Time) *View {
	r := &View{now: now}
	r.title = widget.NewLabelWithStyle("Nobody here yet", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.list = widget.NewList(func() int { return len(r.peers) }, newRow, r.updateRow)
	r.list.HideSeparators = true
	r.box = container.NewBorder(container.NewVBox(r.title, widget.NewSeparator()), nil, nil, nil, r.list)
	return r
}

// Object is what to put in the window.
func (r *View) Object() fyne.CanvasObject { return r.box }

func newRow() fyne.CanvasObject {
	nick := canvas.NewText("nickname", theme.Color(theme.ColorNameForeground))
	nick.TextStyle = fyne.TextStyle{Bold: true}
	detail := widget.NewLabel("198.18.0.100 · now")
	detail.SizeName = theme.SizeNameCaptionText
	detail.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewPadded(nick), detail)
}

func (r *View) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(r.peers) {
		return
	}
	p := r.peers[id]
	box := o.(*fyne.Container)
	nick := box.Objects[0].(*fyne.Container).Objects[0].(*canvas.Text)
	detail := box.Objects[1].(*widget.Label)
	nick.Text = p.Nick
	if p.Self {
		nick.Text += " (you)"
		nick.Color = chatlog.ThemeColour(theme.ColorNamePrimary)
	} else {
		nick.Color = chatlog.Palette(chatlog.SenderColour(p.Nick))
	}
	nick.Refresh()
	detail.SetText(r.detail(p))
}

func (r *View) detail(p netconf.Peer) string {
	host := "this computer"
	if p.Host.IsValid() {
		host = p.Host.String()
	}
	switch {
	case p.Presenter: // proven by its key
		host += " · presenter"
	case r.presenters[p.Nick]: // named like the presenter, and not it: an impostor, or a namesake
		host += " · not the presenter"
	}
	if p.Self {
		return host
	}
	ago := r.now().Sub(p.LastHeard)
	switch {
	case ago < 2*time.Second:
		return host + " · active"
	case ago < time.Minute:
		return fmt.Sprintf("%s · heard %ds ago", host, int(ago.Seconds()))
	default:
		return fmt.Sprintf("%s · heard %dm ago", host, int(ago.Minutes()))
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
	switch n := len(r.peers); n {
	case 0:
		r.title.SetText("Nobody here yet")
	case 1:
		r.title.SetText("In the group: just you")
	default:
		r.title.SetText(fmt.Sprintf("In the group: %d", n))
	}
	r.list.Refresh()
}
