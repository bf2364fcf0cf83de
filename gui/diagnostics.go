package gui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf/doctor"
)

// Diagnose runs the network doctor; tests replace it.
type Diagnose func(ctx context.Context, o doctor.Options) doctor.Report

// diagnostics is the Diagnostics window: the doctor's report for the
// group and interface in the connection bar.
type diagnostics struct {
	w       fyne.Window
	summary *widget.Label
	report  *widget.Label
	again   *widget.Button
	copyBtn *widget.Button
	busy    *widget.ProgressBarInfinite
	cancel  context.CancelFunc
	text    string
}

func (ui *window) showDiagnostics() {
	g, err := ui.bar.group()
	if err != nil {
		ui.bar.setHint(explain(err), widget.DangerImportance)
		return
	}
	d := &diagnostics{w: ui.app.NewWindow(lang.L("Groupcast — Diagnostics"))}
	d.summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.summary.Wrapping = fyne.TextWrapWord
	d.report = widget.NewLabel("")
	d.report.TextStyle = fyne.TextStyle{Monospace: true}
	d.report.Wrapping = fyne.TextWrapWord
	d.report.Selectable = true
	d.busy = widget.NewProgressBarInfinite()
	run := func() {
		d.run(ui, doctor.Options{Group: g, Interface: ui.bar.interfaceName(), Listen: 3 * time.Second, Passphrase: ui.bar.key.Text, NATS: ui.bar.nats})
	}
	d.again = widget.NewButtonWithIcon(lang.L("Run again"), theme.ViewRefreshIcon(), run)
	d.copyBtn = widget.NewButtonWithIcon(lang.L("Copy report"), theme.ContentCopyIcon(), func() {
		ui.app.Clipboard().SetContent(d.text)
	})
	top := container.NewVBox(d.summary, d.busy)
	buttons := container.NewHBox(d.again, d.copyBtn)
	d.w.SetContent(container.NewBorder(top, buttons, nil, nil, container.NewVScroll(d.report)))
	d.w.Resize(fyne.NewSize(720, 560))
	d.w.SetOnClosed(func() {
		if d.cancel != nil {
			d.cancel()
		}
	})
	closeOnEscape(d.w)
	d.w.Show()
	run()
}

func (d *diagnostics) run(ui *window, o doctor.Options) {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.again.Disable()
	d.busy.Show()
	d.busy.Start()
	d.summary.SetText(lang.L("Checking {{.Group}}: interfaces, the port, a self-test, then listening for 3 s…", map[string]any{"Group": o.Group.String()}))
	diagnose := ui.opts.diagnose
	go func() {
		r := diagnose(ctx, o)
		ui.opts.do(func() {
			d.busy.Stop()
			d.busy.Hide()
			d.again.Enable()
			d.text = r.Text(fieldNames)
			d.report.SetText(d.text)
			d.summary.SetText(summary(r, o))
		})
	}()
}

// summary is the report's outcome in a few lines, in the window's
// language: whether multicast works here; with a NATS server in the
// settings, whether it was reached and whether a bridge serves this
// network.
func summary(r doctor.Report, o doctor.Options) string {
	var lines []string
	switch {
	case r.Passed() && r.Hint(doctor.HintOtherPassphrase) != nil:
		lines = append(lines, lang.L("⚠ Multicast works, but: {{.Hint}}", map[string]any{"Hint": say(r.Hint(doctor.HintOtherPassphrase).Words(fieldNames))}))
	case r.Passed():
		n := 0
		for _, h := range r.Heard {
			if h.Kind != "bridge" { // a bridge's beacons: said below
				n++
			}
		}
		lines = append(lines, lang.L("✔ Multicast works on {{.Iface}}. {{if eq .N 1}}1 sender{{else}}{{.N}} senders{{end}} heard on {{.Group}}.", map[string]any{"Iface": r.Chosen.Label(), "N": n, "Group": o.Group.String()}))
	default:
		lines = append(lines, lang.L("✖ The self-test failed: {{.Detail}}. See the hints below.", map[string]any{"Detail": r.SelfTest.Detail}))
	}
	if r.NATS != nil {
		if r.NATS.OK {
			lines = append(lines, lang.L("✔ NATS server: {{.Detail}}.", map[string]any{"Detail": r.NATS.Detail}))
		} else {
			lines = append(lines, lang.L("✖ The NATS server at {{.URL}} could not be used: {{.Detail}}.", map[string]any{"URL": o.NATS.Redacted(), "Detail": r.NATS.Detail}))
		}
	}
	for _, code := range []doctor.HintCode{doctor.HintBridged, doctor.HintNoBridge} {
		if h := r.Hint(code); h != nil {
			lines = append(lines, say(h.Words(fieldNames)))
		}
	}
	return strings.Join(lines, "\n")
}

// fieldNames names the settings the doctor's hints point to as this
// window's controls.
func fieldNames(s doctor.Setting) string {
	if s == doctor.SettingTTL {
		return lang.L("the TTL in ⚙ settings")
	}
	return lang.L("the Interface list")
}
