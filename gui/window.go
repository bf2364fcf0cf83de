package gui

import (
	"crypto/ed25519"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/groupcast/groupcast/assets"
	"github.com/groupcast/groupcast/gui/internal/chatlog"
	"github.com/groupcast/groupcast/gui/internal/roster"
	"github.com/groupcast/groupcast/internal/version"
	"github.com/groupcast/groupcast/netconf"
)

// window is the main window; widgets are fields so tests can drive them.
type window struct {
	app    fyne.App
	w      fyne.Window
	engine Engine
	cmds   *commandQueue

	bar      *connBar
	model    *chatlog.Model
	view     *chatlog.View
	roster   *roster.View
	message  *composer
	send     *widget.Button
	announce *widget.Button // 📢 beside Send: shown to a room's presenter
	status   *widget.Label

	state   state
	current netconf.Joined
	joining netconf.Config // what was asked of the engine at the last Join
	focused bool
	inTray  bool // closing the window hides it in the system tray (useTray)
	search  *logSearch
	unread  int // messages that arrived while the window was not in front
	// The tray's menu and its first item, which counts the unread.
	trayMenu *fyne.Menu
	trayShow *fyne.MenuItem
	trayTip  string // the tray icon's tooltip: the window's title
	lastNote time.Time
	// Files to the room (files.go).
	files  *filesPanel
	attach *widget.Button
	// A sound for new messages (sound.go).
	sound     bool
	player    Player
	soundMenu *fyne.MenuItem
	// History (history*.go): what is kept of each batch before it is
	// shown, the conversation last joined and the history above the log.
	keeper  keeper
	conv    string
	hist    shownHistory
	cleared bool // the log was emptied for another conversation while applying a batch

	mu        sync.Mutex
	pending   []netconf.Event
	scheduled bool
	lastDrain time.Time // when queued events were last applied
	burst     int       // events since the event pump last went quiet
	lastEvent time.Time // when the pump last took an event
	pumpDone  chan struct{}
	stopTick  chan struct{}
	closeOnce sync.Once
	// member is set by the pump while a membership is on; leftKept hears
	// from it once a Left and everything before it are kept (shutdown).
	member   atomic.Bool
	leftKept chan struct{}
	opts     options

	// Rooms.
	room       *netconf.Room
	presenting bool
	roomEnded  bool      // its presenter left (presenterLeft)
	student    bool      // started in a room, not as its presenter, or role = student: no presenter controls
	waiting    *roomWait // waiting for the room, then following it (roomwait.go)
	// The room this window was in when it last ran (restoreRoom), joined
	// again by Join on its group.
	remembered           *netconf.Room
	rememberedPresenting bool
	creating             bool
	key                  ed25519.PrivateKey
	announcer            io.Closer
	lastReceipt          netconf.Receipt
	banner               *widget.Label
	bannerBox            *fyne.Container
	receipt              *widget.Label
	missingBtn           *widget.Button
	receiptBox           *fyne.Container
}

func newWindow(a fyne.App, w fyne.Window, e Engine, ifaces Interfaces, cfg netconf.Config, opts options) *window {
	ui := &window{
		app: a, w: w, engine: e, cmds: newCommandQueue(e), focused: true, opts: opts,
		model: chatlog.NewModel(chatlog.MaxEntries), pumpDone: make(chan struct{}), stopTick: make(chan struct{}), leftKept: make(chan struct{}, 1),
	}
	ui.bar = newConnBar(cfg, ifaces, ui.toggle)
	ui.bar.onDiagnose = ui.showDiagnostics
	ui.bar.onRooms = ui.showRooms
	ui.view = chatlog.NewView(ui.model)
	ui.view.Now = opts.now
	ui.view.OnTop = ui.atTop
	ui.roster = roster.New(opts.now)
	ui.message = newComposer(ui.sendMessage, ui.sendAnnouncement)
	ui.send = widget.NewButtonWithIcon(lang.L("Send"), theme.MailSendIcon(), ui.sendMessage)
	ui.announce = widget.NewButton(lang.L("📢 Announce"), ui.sendAnnouncement)
	ui.announce.Hide()
	ui.attach = widget.NewButton("📎", ui.pickFile)
	ui.files = newFilesPanel()
	ui.status = widget.NewLabel(lang.L("Not joined"))
	ui.status.SizeName = theme.SizeNameCaptionText
	ui.status.Truncation = fyne.TextTruncateEllipsis

	ui.layOut(w)
	ui.setState(stateIdle)
	ui.system(chatlog.System, lang.L("Welcome to Groupcast. Choose a group and press Join; everyone who joins the same group and port talks together."))
	ui.startHistory()
	ui.view.Appended(ui.model.Len(), true, false)
	go ui.pump()
	if opts.tick > 0 {
		go ui.tick()
	}
	return ui
}

// layOut puts the widgets in the window: the connection bar and the
// pinned announcement on top, the log beside the roster, and the receipt
// bar, composer and status line below; and the menus.
func (ui *window) layOut(w fyne.Window) {
	composerRow := container.NewBorder(nil, nil, nil, container.NewHBox(ui.attach, ui.announce, ui.send), ui.message)
	ui.banner = widget.NewLabel("")
	ui.banner.Wrapping = fyne.TextWrapWord
	ui.banner.TextStyle = fyne.TextStyle{Bold: true}
	ui.banner.Importance = widget.HighImportance
	ui.bannerBox = container.NewStack(canvas.NewRectangle(chatlog.OwnBackground()), container.NewPadded(ui.banner))
	ui.bannerBox.Hide()
	ui.receipt = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	ui.missingBtn = widget.NewButtonWithIcon(lang.L("Who has it?"), theme.AccountIcon(), ui.showMissing)
	ui.receiptBox = container.NewBorder(nil, nil, nil, ui.missingBtn, ui.receipt)
	ui.receiptBox.Hide()
	top := container.NewVBox(ui.bar.content(w), widget.NewSeparator(), ui.bannerBox, ui.searchBar())
	bottom := container.NewVBox(widget.NewSeparator(), ui.receiptBox, ui.files.box, composerRow, ui.status)
	split := container.NewHSplit(container.NewStack(ui.view.Object(), ui.search.results), ui.roster.Object())
	split.SetOffset(0.74)
	// Tab goes from the bar to the composer, then into the log and the
	// roster (container.NewBorder would put them first).
	w.SetContent(container.New(layout.NewBorderLayout(top, bottom, nil, nil), top, bottom, split))
	w.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("Groupcast",
			searchItem(ui.openSearch),
			searchAllItem(ui.openSearchAll),
			fyne.NewMenuItem(lang.L("Copy the conversation"), ui.copyLog),
			fyne.NewMenuItem(lang.L("Export the conversation…"), ui.exportConversation),
			fyne.NewMenuItem(lang.L("History…"), ui.showHistorySettings),
			fyne.NewMenuItem(lang.L("Rooms on this network…"), ui.showRooms),
			fyne.NewMenuItem(lang.L("Diagnostics…"), ui.showDiagnostics),
			fyne.NewMenuItem(lang.L("Send a file…"), ui.pickFile),
			fyne.NewMenuItem(lang.L("Folder for files…"), ui.pickSaveDir),
			fyne.NewMenuItemSeparator(),
			ui.soundItem(),
		),
		fyne.NewMenu(lang.L("Help"),
			fyne.NewMenuItem(lang.L("How Groupcast works"), ui.showHelp),
			fyne.NewMenuItem(lang.L("About Groupcast"), ui.showAbout),
		),
	))
	w.SetOnClosed(ui.shutdown)
	w.SetOnDropped(ui.dropped)
	ui.app.Lifecycle().SetOnEnteredForeground(ui.seen)
	ui.app.Lifecycle().SetOnExitedForeground(func() { ui.focused = false })

}

// helpText is the Help page: how it works, in a few lines, and the keys.
const helpText = `**How it works.** Everyone who joins the same group address and port talks together: a message goes once to the network, which hands a copy to every computer in the group. No server is involved, so it works on any local network, even without the Internet. Lost messages are asked for again and shown once, in order.

**Rooms** are groups with a name, found with Rooms. A room's presenter signs what it sends: members see its announcements pinned on top, and it sees who has them.

**A passphrase** makes the group private: only those with the same passphrase read it, and Diagnostics says when others use another.

**Keys.** Enter sends; Shift+Enter starts a new line; a room's presenter announces with Ctrl+Enter (or 📢 Announce); Escape closes a dialog or the Rooms and Diagnostics windows.

**More** is in README.md, which comes with Groupcast, and in its docs folder (the classroom, working with classic multicast programs, security).`

// showHelp is the Help page.
func (ui *window) showHelp() {
	text := widget.NewRichTextFromMarkdown(lang.L(helpText))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("How Groupcast works"), lang.L("Close"), container.NewVScroll(text), ui.w)
	d.Resize(fyne.NewSize(min(ui.w.Canvas().Size().Width-40, 560), min(ui.w.Canvas().Size().Height-40, 440)))
	hideOnEscape(ui.w, d)
	d.Show()
}

// showAbout names the app, its version and what it is.
func (ui *window) showAbout() {
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.IconPNG()))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	dialog.ShowCustom(lang.L("About Groupcast"), lang.L("Close"), container.NewVBox(
		container.NewCenter(icon),
		widget.NewLabelWithStyle("Groupcast "+version.Version, fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(lang.L("Group text conferencing over IP multicast on a local network."), fyne.TextAlignCenter, fyne.TextStyle{}),
		widget.NewLabelWithStyle(AppID, fyne.TextAlignCenter, fyne.TextStyle{Italic: true}),
	), ui.w)
}
