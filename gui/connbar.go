package gui

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/wire"
)

// connBar is the connection bar: where to join, as whom, and Join/Leave.
type connBar struct {
	addr, port, nick *widget.Entry
	key              *widget.Entry // passphrase: never saved
	hint             *widget.Label // scope of the group, or what is wrong with it
	iface            *widget.Select
	ifaceNames       map[string]string // picker label → interface name, "" = automatic
	advanced         *widget.Button
	join             *widget.Button
	diagnose         *widget.Button
	onDiagnose       func()
	rooms            *widget.Button
	onRooms          func()
	ttl              int
	loopback         bool
	plain            bool                // bare text for classic tools
	encoding         string              // of the group's classic tools: "" (automatic), utf-8 or gbk
	nats             netconf.NATSOptions // Other networks: join through this NATS server (URL "": multicast)
	bridgeKey        string              // the site's bridge key: which bridges here are real ("": none verified)
	listIfaces       Interfaces
	settings         *settingsForm // the ⚙ dialog, while it is shown
}

const autoPrefix = "Automatic"

func newConnBar(cfg netconf.Config, list Interfaces, onJoin func()) *connBar {
	b := &connBar{ttl: cfg.TTL, loopback: cfg.Loopback, listIfaces: list, plain: cfg.Plain, encoding: cfg.Encoding, nats: cfg.NATS, bridgeKey: cfg.BridgeKey}
	b.addr = widget.NewEntry()
	b.addr.SetPlaceHolder("239.255.3.3")
	b.addr.SetText(cfg.Group.Addr().String())
	b.port = widget.NewEntry()
	b.port.SetPlaceHolder("3333")
	b.port.SetText(strconv.Itoa(int(cfg.Group.Port())))
	b.nick = widget.NewEntry()
	b.nick.SetPlaceHolder(lang.L("Your name"))
	b.nick.SetText(cfg.Nick)
	b.key = widget.NewPasswordEntry()
	b.key.SetPlaceHolder(lang.L("Passphrase"))
	b.key.SetText(cfg.Passphrase)
	b.key.OnChanged = func(string) { b.validate() }
	b.key.OnSubmitted = func(string) { onJoin() }
	b.hint = widget.NewLabel("")
	b.hint.SizeName = theme.SizeNameCaptionText
	b.hint.Wrapping = fyne.TextWrapWord // the whole sentence, even in a narrow window
	b.iface = widget.NewSelect(nil, nil)
	b.join = widget.NewButtonWithIcon(lang.L("Join"), theme.LoginIcon(), onJoin)
	b.join.Importance = widget.HighImportance
	b.addr.OnChanged = func(s string) {
		// "239.255.3.3:3333" pasted whole: the port goes to its field.
		if g, err := netconf.ParseGroup(strings.TrimSpace(s)); err == nil && strings.Contains(s, ":") {
			b.addr.SetText(g.Addr().String()) // calls OnChanged again, now without the port
			b.port.SetText(strconv.Itoa(int(g.Port())))
			return
		}
		b.validate()
	}
	b.port.OnChanged = func(string) { b.validate() }
	b.nick.OnChanged = func(string) { b.validate() }
	b.addr.OnSubmitted = func(string) { onJoin() }
	b.port.OnSubmitted = func(string) { onJoin() }
	b.nick.OnSubmitted = func(string) { onJoin() }
	b.refreshInterfaces(cfg.Interface)
	b.validate()
	return b
}

func (b *connBar) content(w fyne.Window) fyne.CanvasObject {
	b.advanced = widget.NewButtonWithIcon("", theme.SettingsIcon(), func() { b.showAdvanced(w) })
	b.rooms = widget.NewButtonWithIcon(lang.L("Rooms"), theme.HomeIcon(), func() {
		if b.onRooms != nil {
			b.onRooms()
		}
	})
	b.diagnose = widget.NewButtonWithIcon("", theme.SearchIcon(), func() {
		if b.onDiagnose != nil {
			b.onDiagnose()
		}
	})
	fixed := func(width float32, o fyne.CanvasObject) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(width, o.MinSize().Height), o)
	}
	row1 := inRow(container.NewHBox(b.rooms, widget.NewLabel(lang.L("Group"))), b.addr,
		container.NewHBox(widget.NewLabel(":"), fixed(84, b.port), widget.NewLabel(lang.L("Name")), fixed(150, b.nick)))
	row2 := inRow(widget.NewLabel(lang.L("Interface")), b.iface, container.NewHBox(fixed(180, b.key), b.diagnose, b.advanced, b.join))
	return container.NewVBox(row1, row2, b.hint)
}

// inRow lays out left, middle (taking the width left) and right on one
// line, in that order for Tab: container.NewBorder puts its middle first,
// so Tab went from Group back to Rooms.
func inRow(left, middle, right fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewBorderLayout(nil, nil, left, right), left, middle, right)
}

// group returns the group in the fields, or a sentence saying what is wrong.
func (b *connBar) group() (netip.AddrPort, error) {
	a, err := netconf.ParseGroupAddr(b.addr.Text)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if strings.TrimSpace(b.port.Text) == "" {
		return netip.AddrPort{}, &netconf.InputError{Field: "port", Msg: lang.L("Enter the group's port, a number from 1 to 65535 (for example 3333).")}
	}
	p, err := netconf.ParsePort(b.port.Text)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(a, p), nil
}

// nameProblem says what is wrong with a name the wire refuses.
func nameProblem(name string) string {
	switch {
	case name == "":
		return lang.L("Enter a name so others know who is talking.")
	case len(name) > wire.MaxNickBytes:
		return lang.L("The name is too long: at most {{.Latin}} characters of Latin script, or {{.Chinese}} Chinese characters.", map[string]any{"Latin": wire.MaxNickBytes, "Chinese": wire.MaxNickBytes / 3})
	}
	return lang.L("The name cannot contain control characters (such as a tab or a line break).")
}

// validate shows the group's scope, or the first problem, under the bar,
// and enables Join only when everything is usable.
func (b *connBar) validate() bool {
	g, err := b.group()
	if err == nil && wire.ValidNick(strings.TrimSpace(b.nick.Text)) != nil {
		err = &netconf.InputError{Field: "name", Msg: nameProblem(strings.TrimSpace(b.nick.Text))}
	}
	if err == nil && b.plain && b.key.Text != "" {
		err = &netconf.InputError{Field: "plain", Msg: lang.L("Plain text cannot be private: clear the passphrase, or turn plain text off (⚙).")}
	}
	if err == nil {
		err = natsSettingsProblem(b.nats)
	}
	if err != nil {
		b.setHint(explain(err), widget.DangerImportance)
		if b.join.Text == lang.L("Join") {
			b.join.Disable()
		}
		return false
	}
	s := netconf.ScopeOf(g.Addr())
	private := ""
	if b.key.Text != "" {
		private = lang.L(" · Private: messages are encrypted with the passphrase, which is not saved")
	}
	if b.plain {
		private = lang.L(" · Plain {{.Encoding}} text: no names, no repair, no privacy", map[string]any{"Encoding": cmp.Or(b.encoding, wire.EncodingUTF8)})
	}
	if b.nats.URL != "" { // neither the scope nor the TTL matter: no multicast leaves this computer
		b.setHint(lang.L("Through NATS at {{.URL}}: members on other networks too (⚙ Other networks)", map[string]any{"URL": b.nats.Redacted()})+private, widget.MediumImportance)
	} else if s.Warning != "" {
		b.setHint("⚠ "+s.Warning+private, widget.WarningImportance)
	} else {
		b.setHint(lang.L("Scope: {{.Scope}} · TTL {{.TTL}}", map[string]any{"Scope": s.Name, "TTL": b.ttl})+private, widget.MediumImportance)
	}
	if b.join.Text == lang.L("Join") {
		b.join.Enable()
	}
	return true
}

func (b *connBar) setHint(text string, imp widget.Importance) {
	b.hint.Importance = imp
	b.hint.SetText(text)
}

// refreshInterfaces rebuilds the picker, keeping want (an interface name,
// "" for automatic) selected when it is still there.
func (b *connBar) refreshInterfaces(want string) {
	g, _ := b.group()
	cands, auto, autoErr := b.listIfaces(g.Addr())
	autoLabel := autoPrefix
	if autoErr == nil {
		autoLabel = fmt.Sprintf("%s (%s)", autoPrefix, auto.Label())
	} else {
		autoLabel = autoPrefix + lang.L(" (no usable interface)")
	}
	b.ifaceNames = map[string]string{autoLabel: ""}
	opts := []string{autoLabel}
	selected := autoLabel
	for _, c := range cands {
		l := c.Label()
		if c.Virtual {
			l += " (virtual)"
		}
		b.ifaceNames[l] = c.Name
		opts = append(opts, l)
		if c.Name == want {
			selected = l
		}
	}
	b.iface.SetOptions(opts)
	b.iface.SetSelected(selected)
}

func (b *connBar) interfaceName() string { return b.ifaceNames[b.iface.Selected] }

// setEditable locks the fields while a membership exists. Diagnostics
// stays available (it only listens), as its menu item is.
func (b *connBar) setEditable(on bool) {
	for _, w := range []fyne.Disableable{b.addr, b.port, b.nick, b.key, b.iface, b.advanced, b.rooms} {
		if w == nil {
			continue
		}
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// encodingAuto is how the settings show the automatic encoding ("").
const encodingAuto = "automatic"

// settingsForm is the ⚙ dialog's fields, kept while it is shown (tests
// fill them).
type settingsForm struct {
	d                          *dialog.FormDialog
	ttl                        *widget.Entry
	loop, plain                *widget.Check
	enc                        *widget.Select
	natsURL, natsCreds, natsCA *widget.Entry
	bridgeKey                  *widget.Entry
}

// showAdvanced is ⚙: the settings a Join rarely needs changed, taken
// together on Apply.
func (b *connBar) showAdvanced(w fyne.Window) {
	f := b.newSettingsForm()
	f.d = dialog.NewForm(lang.L("Advanced settings"), lang.L("Apply"), lang.L("Cancel"), f.items(w), func(ok bool) {
		b.settings = nil
		if ok {
			b.applySettings(f)
		}
	}, w)
	b.settings = f
	hideOnEscape(w, f.d)
	f.d.Show()
}

// newSettingsForm is the ⚙ dialog's fields, filled with the bar's
// settings.
func (b *connBar) newSettingsForm() *settingsForm {
	f := &settingsForm{}
	f.ttl = widget.NewEntry()
	f.ttl.SetText(strconv.Itoa(b.ttl))
	f.ttl.Validator = ttlProblem
	f.loop = widget.NewCheck(lang.L("Let other programs on this computer hear me (loopback)"), nil)
	f.loop.SetChecked(b.loopback)
	f.enc = widget.NewSelect([]string{encodingAuto, wire.EncodingUTF8, wire.EncodingGBK}, nil)
	f.enc.SetSelected(cmp.Or(b.encoding, encodingAuto))
	f.plain = widget.NewCheck(lang.L("Plain text (compatible with simple multicast tools)"), nil)
	f.plain.SetChecked(b.plain)
	f.natsURL = widget.NewEntry()
	f.natsURL.SetPlaceHolder(lang.L("nats://HOST:4222 (empty: this network)"))
	f.natsURL.SetText(b.nats.URL)
	f.natsURL.Validator = func(s string) error {
		if p := natsURLProblem(strings.TrimSpace(s)); p != "" {
			return errors.New(p)
		}
		return nil
	}
	f.natsCreds = widget.NewEntry()
	f.natsCreds.SetPlaceHolder(lang.L("none"))
	f.natsCreds.SetText(b.nats.Creds)
	f.natsCA = widget.NewEntry()
	f.natsCA.SetPlaceHolder(lang.L("none: the system's authorities"))
	f.natsCA.SetText(b.nats.CA)
	f.bridgeKey = widget.NewEntry()
	f.bridgeKey.SetPlaceHolder(lang.L("none: every bridge counts as one computer"))
	f.bridgeKey.SetText(b.bridgeKey)
	f.bridgeKey.Validator = bridgeKeyProblem
	return f
}

// ttlProblem says what is wrong with the TTL typed in the settings.
func ttlProblem(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New(lang.L("a number from 0 to 255"))
	}
	if err := netconf.ValidateTTL(n); err != nil {
		return errors.New(explain(err))
	}
	return nil
}

// items lays out the fields with what each one does; w is the window a
// file picker opens in.
func (f *settingsForm) items(w fyne.Window) []*widget.FormItem {
	about := widget.NewLabel(lang.L("Join through a NATS server instead of multicast: from another network or from home. Leave empty to use this network."))
	about.SizeName = theme.SizeNameCaptionText
	about.Wrapping = fyne.TextWrapWord
	return []*widget.FormItem{
		{Text: lang.L("TTL"), Widget: f.ttl, HintText: lang.L("Routers a message may cross: 1 keeps it on this network")},
		{Text: lang.L("Loopback"), Widget: f.loop, HintText: lang.L("Off only if this computer should not hear itself")},
		{Text: lang.L("Plain text"), Widget: f.plain, HintText: lang.L("Bare text for C, Python or Qt tools: gives up names, repair of lost messages and privacy")},
		{Text: lang.L("Encoding"), Widget: f.enc, HintText: lang.L("How classic tools here write text (gbk: Chinese Windows); automatic reads each as it plausibly is")},
		{Text: lang.L("Other networks"), Widget: about},
		{Text: lang.L("NATS server"), Widget: f.natsURL},
		{Text: lang.L("Credentials file"), Widget: withFilePicker(w, f.natsCreds)},
		{Text: lang.L("CA certificate"), Widget: withFilePicker(w, f.natsCA)},
		{Text: lang.L("Bridge key"), Widget: f.bridgeKey, HintText: lang.L("The site's (groupcast hub prints it): tells this network's real bridges from impostors")},
	}
}

// applySettings takes the dialog's fields into the bar (the form has
// validated them) and checks the bar again.
func (b *connBar) applySettings(f *settingsForm) {
	n, _ := strconv.Atoi(strings.TrimSpace(f.ttl.Text))
	b.ttl, b.loopback, b.plain, b.encoding = n, f.loop.Checked, f.plain.Checked, f.enc.Selected
	if b.encoding == encodingAuto {
		b.encoding = ""
	}
	b.nats = netconf.NATSOptions{URL: strings.TrimSpace(f.natsURL.Text), Creds: strings.TrimSpace(f.natsCreds.Text), CA: strings.TrimSpace(f.natsCA.Text)}
	b.bridgeKey = strings.TrimSpace(f.bridgeKey.Text)
	b.validate()
}

// withFilePicker puts a button that picks a file beside entry.
func withFilePicker(w fyne.Window, entry *widget.Entry) fyne.CanvasObject {
	pick := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			entry.SetText(r.URI().Path())
			_ = r.Close()
		}, w)
	})
	return container.NewBorder(nil, nil, nil, pick, entry)
}

// natsURLProblem says what is wrong with the NATS server's address typed
// in the settings ("" when nothing: empty is this network, multicast).
// netconf.NATSOptions.Check decides; the sentence is the window's.
func natsURLProblem(url string) string {
	if url == "" || (netconf.NATSOptions{URL: url}).Check() == nil {
		return ""
	}
	bad := url
	for _, part := range strings.Split(url, ",") {
		if part = strings.TrimSpace(part); part == "" || (netconf.NATSOptions{URL: part}).Check() != nil {
			bad = part
			break
		}
	}
	return lang.L("“{{.URL}}” is not a NATS server's address: write nats://HOST:4222, or tls://HOST:4222 for TLS", map[string]any{"URL": bad})
}

// natsSettingsProblem says what stops joining through the NATS server
// the settings name (nil: nothing, or no server named).
func natsSettingsProblem(o netconf.NATSOptions) error {
	if o.URL == "" {
		return nil
	}
	if p := natsURLProblem(o.URL); p != "" {
		return &netconf.InputError{Field: "nats", Msg: p + lang.L(" (⚙ Other networks)")}
	}
	if o.Creds != "" {
		if _, err := os.Stat(o.Creds); err != nil {
			return &netconf.InputError{Field: "nats", Msg: lang.L("The NATS credentials file {{.Path}} cannot be read (⚙ Other networks)", map[string]any{"Path": o.Creds})}
		}
	}
	if o.CA != "" {
		if _, err := os.Stat(o.CA); err != nil {
			return &netconf.InputError{Field: "nats", Msg: lang.L("The CA certificate file {{.Path}} cannot be read (⚙ Other networks)", map[string]any{"Path": o.CA})}
		}
	}
	return nil
}
