package gui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/netconf"
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
		ui.bar.setHint(netconf.Explain(err), widget.DangerImportance)
		return
	}
	d := &diagnostics{w: ui.app.NewWindow("Groupcast — Diagnostics")}
	d.summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.summary.Wrapping = fyne.TextWrapWord
	d.report = widget.NewLabel("")
	d.report.TextStyle = fyne.TextStyle{Monospace: true}
	d.report.Wrapping = fyne.TextWrapWord
	d.report.Selectable = true
	d.busy = widget.NewProgressBarInfinite()
	run := func() {
		d.run(ui, doctor.Options{Group: g, Interface: ui.bar.interfaceName(), Listen: 3 * time.Second, Passphrase: ui.bar.key.Text})
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
	d.summary.SetText(fmt.Sprintf("Checking %s: interfaces, the port, a self-test, then listening for 3 s…", o.Group))
	diagnose := ui.opts.diagnose
	go func() {
		r := diagnose(ctx, o)
		ui.opts.do(func() {
			d.busy.Stop()
			d.busy.Hide()
			d.again.Enable()
			d.text = r.Text(fieldNames)
			d.report.SetText(d.text)
			switch {
			case r.Passed() && r.Hint(doctor.HintOtherPassphrase) != nil:
				d.summary.SetText("⚠ Multicast works, but " + r.Hint(doctor.HintOtherPassphrase).Sentence(fieldNames))
			case r.Passed():
				d.summary.SetText(fmt.Sprintf("✔ Multicast works on %s. %d senders heard on %s.", r.Chosen.Label(), len(r.Heard), o.Group))
			default:
				d.summary.SetText("✖ The self-test failed: " + r.SelfTest.Detail + ". See the hints below.")
			}
		})
	}()
}

// fieldNames names the settings the doctor's hints point to as this
// window's controls.
func fieldNames(s doctor.Setting) string {
	if s == doctor.SettingTTL {
		return "the TTL in ⚙ settings"
	}
	return "the Interface list"
}
