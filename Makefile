# Groupcast: `make run` opens the app, `make test` runs every test.
# Both install what they need on Debian/Ubuntu (apt-get) when it is missing.

SHELL     := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO        ?= go
TAGS      := migrated_fynedo
BIN       := groupcast
# Executions per fuzz target (about 30 s each here). A count, not a duration:
# go1.26's fuzz coordinator can fail a duration-bounded run with "context
# deadline exceeded" as the time runs out (go.dev/issue/75804).
FUZZTIME  ?= 400000x
APT_PKGS  := libgl1-mesa-dev xorg-dev pkg-config
LAB_PKGS  := iproute2 nftables

.PHONY: run build test test-nofonts test-unit structure reliability gui-lab gui-lesson gui-load fuzz vet lint cross deps lab-deps bench bench-check bench-files clean \
	package package-linux package-windows fyne-tool mingw

run: build
	./$(BIN) $(ARGS)

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN) .

# The test command: unit, loopback and (as root) lab tests, with the race
# detector. As root the whole run happens inside a fresh network namespace
# (unshare -n), so no test can reach the machine's real network; the lab
# tests make their own namespaces for their hosts.
test: build lab-deps
	$(GO) mod download
	GROUPCAST_BIN=$(CURDIR)/$(BIN) scripts/isolated $(GO) test -race -count=1 -tags $(TAGS) ./...

# The window's tests with the machine's fonts hidden (root; CI runs it):
# Fyne draws a character its bundled fonts lack with a font of the
# machine's, so a golden that measured one passes here and fails there.
test-nofonts: deps
	scripts/isolated scripts/nofonts $(GO) test -race -count=1 -tags $(TAGS) ./gui/...

# Fast loop while developing: no race detector, no lab.
test-unit:
	$(GO) test -short -tags $(TAGS) ./netconf/ ./cli/

# The in-process reliability proofs at full size (make test runs them
# scaled down under the race detector): 5 senders x 10 000 messages to 5
# receivers at 1/10/20% loss, and repair overhead with 5 and 20 receivers.
reliability:
	$(GO) test -count=1 -v -run 'TestReliableDeliveryUnderLoss|TestRepairOverhead' ./netconf/ | grep -E '^(=== RUN|--- |\s+reliable_test|ok|FAIL|PASS)'

# Two windows on two lab hosts talk by typing (Xvfb + xdotool), with a
# headless sender and listener; screenshots land in tmp/gui-lab/. Root only.
gui-lab: build
	scripts/gui-lab.sh

# A lesson with windows: three students waiting before the teacher's
# window starts the room, an announcement (Ctrl+Enter) and a reply
# (Enter); screenshots land in tmp/gui-lesson/. Root only.
gui-lesson: build
	scripts/gui-lesson.sh

# The window under a 100 000-line stream: typed probes must get through
# within a second and private memory stay under 150 MB. Root only.
gui-load: build
	scripts/gui-load.sh

# Every decoder and the reassembler, FUZZTIME executions each.
FUZZ := internal/files:FuzzReceiver wire:FuzzDecode wire:FuzzDecodePlain wire:FuzzParseForward internal/seal:FuzzOpen internal/reliable:FuzzReassembly rooms:FuzzParseSAP rooms:FuzzParseSolicit
fuzz:
	for t in $(FUZZ); do \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) ./netconf/$${t%%:*}/ || exit 1; \
	done

# The code's shape (issue 29): package netconf's size, files over 400
# lines, functions over 60 lines, what the pure packages import.
structure:
	$(GO) run ./internal/tools/structure

vet:
	$(GO) vet -tags $(TAGS) ./...

# Everything that needs no cgo (all but the window) builds and vets, tests
# included, for Windows, macOS and 32-bit Linux: a platform break is found
# the day it is made. The window's Windows .exe is `make package-windows`.
CROSS_PKGS := ./netconf/... ./cli/... ./internal/... ./e2e/cmd/...
cross:
	for p in windows/amd64 darwin/arm64 darwin/amd64 linux/386; do \
		echo "go vet for $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) vet $(CROSS_PKGS) || exit 1; \
	done

lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags $(TAGS) ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -tags $(TAGS) ./netconf/... ./gui/...
	./$(BIN) bench

# Every benchmark runs once and must not fail: a benchmark that broke is
# found the day it breaks, not when figures are next needed.
# Files to a room beside udpcast and UFTP, on lab hosts (root; installs
# udpcast and uftp when missing): SIZE_MB, RECEIVERS, LOSS, TOOLS.
bench-files: build
	scripts/bench-files.sh

bench-check:
	$(GO) test -run '^$$' -bench . -benchtime 1x -tags $(TAGS) ./netconf/... ./gui/...

# System packages Fyne needs to build (OpenGL and X11 headers).
deps:
	@if ! pkg-config --exists gl x11 xcursor xrandr xinerama xi xxf86vm 2>/dev/null; then \
		if command -v apt-get >/dev/null; then \
			echo "Installing $(APT_PKGS) (needed to build the window)"; \
			scripts/apt-install $(APT_PKGS); \
		else \
			echo "Please install the OpenGL and X11 development packages (Debian: $(APT_PKGS))"; exit 1; \
		fi; \
	fi
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

# Tools the lab tests use when run as root.
lab-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! { command -v ip && command -v nft && command -v unshare; } >/dev/null; then \
		scripts/apt-install $(LAB_PKGS) util-linux; \
	fi

# Packages in dist/: the Linux .tar.xz from `fyne package` (binary in
# usr/local/bin, .desktop entry, icon, README and the lab's autostart entry;
# `sudo make install` inside it), and for Windows a zip of the GUI
# Groupcast.exe (icon and version resource), the console groupcast.com for
# the commands (cmd and PowerShell run it for `groupcast ...`: .COM comes
# before .EXE), the README and a firewall helper, cross-compiled with
# mingw-w64. Neither touches the developer's ./groupcast. macOS is built by
# .github/workflows/release.yml on a macOS runner.
VERSION   := $(shell sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4
FYNE      := $(shell $(GO) env GOPATH)/bin/fyne
DIST      := dist
MINGW     := CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ CGO_ENABLED=1 GOOS=windows GOARCH=amd64

package: package-linux package-windows
	@ls -l $(DIST)

fyne-tool:
	@[ -x $(FYNE) ] || { echo "Installing the fyne packaging tool"; $(GO) install $(FYNE_TOOL); }

mingw:
	@command -v x86_64-w64-mingw32-gcc >/dev/null && command -v zip >/dev/null || { \
		echo "Installing mingw-w64 and zip (to build the Windows .exe)"; \
		scripts/apt-install gcc-mingw-w64-x86-64 zip; }

package-linux: deps fyne-tool
	rm -rf $(DIST)/linux && mkdir -p $(DIST)/linux/build
	@# The flags of `make build` but for -s -w: the compiled packages are reused.
	$(GO) build -tags $(TAGS) -ldflags "-s -w" -o $(DIST)/linux/build/groupcast .
	@# fyne package bumps Build in FyneApp.toml; keep the checkout clean.
	cp FyneApp.toml $(DIST)/.FyneApp.toml
	$(FYNE) package --os linux --release --name groupcast --executable $(DIST)/linux/build/groupcast
	mv $(DIST)/.FyneApp.toml FyneApp.toml
	tar -xJf groupcast.tar.xz -C $(DIST)/linux && rm groupcast.tar.xz
	@# The command is groupcast; the menu entry says Groupcast, and the window's class is Groupcast.
	sed -i -e 's/^Name=groupcast$$/Name=Groupcast/' -e 's/^StartupWMClass=groupcast$$/StartupWMClass=Groupcast/' \
		$(DIST)/linux/groupcast/usr/local/share/applications/io.github.groupcast.desktop
	@# Beside its Makefile: the README, and the lab's start-at-login entry
	@# (copied to /etc/xdg/autostart/ by hand, docs/CLASSROOM.md).
	install -m 644 README.md assets/groupcast-autostart.desktop $(DIST)/linux/groupcast/
	tar -cJf $(DIST)/groupcast-$(VERSION)-linux-amd64.tar.xz -C $(DIST)/linux groupcast
	rm -rf $(DIST)/linux

package-windows: fyne-tool mingw
	rm -rf $(DIST)/win && mkdir -p $(DIST)/win/Groupcast
	cp FyneApp.toml $(DIST)/.FyneApp.toml
	$(MINGW) $(FYNE) package --os windows --tags $(TAGS) --release --name Groupcast
	mv $(DIST)/.FyneApp.toml FyneApp.toml
	mv Groupcast.exe $(DIST)/win/Groupcast/Groupcast.exe
	@# The same program marked for the console: what `groupcast ...` runs in cmd.
	$(GO) run ./internal/tools/consoleexe $(DIST)/win/Groupcast/Groupcast.exe $(DIST)/win/Groupcast/groupcast.com
	cp README.md assets/windows/allow-groupcast-firewall.cmd $(DIST)/win/Groupcast/
	cp $(DIST)/win/Groupcast/Groupcast.exe $(DIST)/Groupcast-$(VERSION)-windows-amd64.exe
	cd $(DIST)/win && zip -qr ../Groupcast-$(VERSION)-windows-amd64.zip Groupcast
	rm -rf $(DIST)/win

clean:
	rm -f $(BIN) $(BIN).exe Groupcast.exe groupcast.tar.xz
	rm -rf $(DIST)
