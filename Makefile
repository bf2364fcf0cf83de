# Groupcast: `make run` opens the app, `make test` runs every test.
# Both install what they need on Debian/Ubuntu (apt-get) when it is missing.

SHELL     := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO        ?= go
TAGS      := migrated_fynedo
BIN       := groupcast
FUZZTIME  ?= 30s
APT_PKGS  := libgl1-mesa-dev xorg-dev pkg-config
LAB_PKGS  := iproute2 nftables
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run build test test-unit reliability gui-lab fuzz vet lint deps lab-deps bench clean

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

# Every decoder and the reassembler, FUZZTIME each.
fuzz:
	for target in FuzzDecode FuzzOpen FuzzReassembly FuzzDecodePlain FuzzParseSAP; do \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./netconf/ || exit 1; \
	done

vet:
	$(GO) vet -tags $(TAGS) ./...

lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags $(TAGS) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -tags $(TAGS) ./netconf/ ./gui/

# System packages Fyne needs to build (OpenGL and X11 headers).
deps:
	@if ! pkg-config --exists gl x11 xcursor xrandr xinerama xi xxf86vm 2>/dev/null; then \
		if command -v apt-get >/dev/null; then \
			echo "Installing $(APT_PKGS) (needed to build the window)"; \
			$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); \
		else \
			echo "Please install the OpenGL and X11 development packages (Debian: $(APT_PKGS))"; exit 1; \
		fi; \
	fi
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

# Tools the lab tests use when run as root.
lab-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! { command -v ip && command -v nft && command -v unshare; } >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(LAB_PKGS) util-linux; \
	fi

clean:
	rm -f $(BIN) $(BIN).exe
