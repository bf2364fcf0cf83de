#!/usr/bin/env bash
# Two Groupcast windows on two lab hosts, each on its own Xvfb display,
# joined to one group, talk by typing (xdotool); a headless listener on a
# third host and a headless sender take part. Screenshots and the
# listener's output go to $OUT. Needs root (network namespaces), Xvfb,
# xdotool and imagemagick (installed when missing). Nothing touches the
# machine's real network: the hosts live on their own bridge.
#
#   scripts/gui-lab.sh            # uses ./groupcast, or builds it
#   THEME=light scripts/gui-lab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-tmp/gui-lab}
BIN=${GROUPCAST_BIN:-./groupcast}
GROUP=${GROUP:-239.255.3.3:3333}
P=gcgui$$
mkdir -p "$OUT"
BIN=$(realpath "$BIN")
[ -x "$BIN" ] || { make build; BIN=$(realpath ./groupcast); }
TOOLS="Xvfb xdotool import" PACKAGES="xvfb xdotool imagemagick"
. scripts/lab-hosts.sh

export FYNE_THEME=${THEME:-dark}
start_xvfb; d1=$xvfb
start_xvfb; d2=$xvfb

ip netns exec $P-h3 "$BIN" listen -group $GROUP -name Watcher -json >"$OUT/listen.jsonl" 2>"$OUT/listen.err" & pids+=($!)
# Separate preference folders, as on two real PCs.
for who in Alice Bob; do mkdir -p "$OUT/home-$who"; done
ip netns exec $P-h1 env DISPLAY=:$d1 HOME="$PWD/$OUT/home-Alice" "$BIN" -join $GROUP -name Alice >"$OUT/alice.log" 2>&1 & alice=$!; pids+=($alice)
ip netns exec $P-h2 env DISPLAY=:$d2 HOME="$PWD/$OUT/home-Bob" "$BIN" -join $GROUP -name Bob >"$OUT/bob.log" 2>&1 & bob=$!; pids+=($bob)

window() { # display, title fragment
	for _ in $(seq 1 100); do
		id=$(DISPLAY=:$1 xdotool search --name "$2" 2>/dev/null | head -1 || true)
		[ -n "$id" ] && { echo "$id"; return; }
		sleep 0.2
	done
	echo "no window '$2' on :$1" >&2; exit 1
}
wa=$(window $d1 "Groupcast — Alice")
wb=$(window $d2 "Groupcast — Bob")
echo "windows: Alice $wa ($(DISPLAY=:$d1 xdotool getwindowname $wa)), Bob $wb ($(DISPLAY=:$d2 xdotool getwindowname $wb))"
SIZE=${SIZE:-880x600}
for d in $d1 $d2; do DISPLAY=:$d xdotool search --name Groupcast windowsize %@ ${SIZE%x*} ${SIZE#*x} windowmove %@ 10 10 >/dev/null 2>&1 || true; done
sleep 1

say() { # display, window, text...
	local d=$1 w=$2; shift 2
	DISPLAY=:$d xdotool windowactivate --sync "$w" >/dev/null 2>&1 || DISPLAY=:$d xdotool windowfocus "$w" >/dev/null 2>&1 || true
	DISPLAY=:$d xdotool type --delay 15 "$1"; shift
	for line in "$@"; do DISPLAY=:$d xdotool key shift+Return; DISPLAY=:$d xdotool type --delay 15 "$line"; done
	DISPLAY=:$d xdotool key Return
	sleep 0.7
}

ip netns exec $P-h3 "$BIN" send -group $GROUP -name Script "hello 世界 — 1 (from a headless send)" 2>>"$OUT/listen.err"
sleep 0.5
say $d1 "$wa" "Hi Bob! Did you get the script's message?"
say $d2 "$wb" "Yes, Alice. Two lines:" "line two, typed after Shift+Enter"
say $d1 "$wa" "Great. This is a longer message to show how the log wraps text that does not fit on one line of the window, so nothing is cut off."
sleep 1
DISPLAY=:$d1 import -window root "$OUT/alice.png"
DISPLAY=:$d2 import -window root "$OUT/bob.png"

kill -INT "${pids[2]}"; sleep 0.5
echo "listener heard:"
grep '"event":"message"' "$OUT/listen.jsonl" | sed 's/.*"from":"\([^"]*\)","text":"\([^"]*\)".*/  \1: \2/'
n=$(grep -c '"event":"message"' "$OUT/listen.jsonl" || true)
[ "$n" -eq 4 ] || { echo "FAIL: the listener heard $n messages, want 4"; exit 1; }
# SIGTERM closes a window as the user would: it leaves and exits 0.
for who in alice bob; do
	close_window "$who" "${!who}" "$OUT/$who.log"
done
echo "both windows closed cleanly on SIGTERM"
echo "screenshots: $OUT/alice.png $OUT/bob.png"
