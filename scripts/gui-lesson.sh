#!/usr/bin/env bash
# A lesson with windows: three student windows on three lab hosts start
# first, in the room "Chemistry 9" with the teacher's key pinned (as
# docs/CLASSROOM.md deploys them), and wait for it; the teacher's window
# starts the room later, announces (Ctrl+Enter) and replies (Enter). A
# headless PC on a fifth host checks what arrived. Screenshots of the
# waiting state, the teacher's counts and a student's banner go to $OUT.
# Needs root (network namespaces), Xvfb, xdotool and imagemagick
# (installed when missing). Nothing touches the machine's real network.
#
#   scripts/gui-lesson.sh         # uses ./groupcast, or builds it
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-tmp/gui-lesson}
BIN=${GROUPCAST_BIN:-./groupcast}
ROOM="Chemistry 9"
P=gcles$$
HOSTS=5
mkdir -p "$OUT"
rm -f "$OUT"/*.png
BIN=$(realpath "$BIN")
[ -x "$BIN" ] || { make build; BIN=$(realpath ./groupcast); }
TOOLS="Xvfb xdotool import" PACKAGES="xvfb xdotool imagemagick"
. scripts/lab-hosts.sh
export FYNE_THEME=${THEME:-light}

# The teacher's key, and its fingerprint as the teacher's screen shows it
# (a moment of a headless presenter on a group of its own prints it).
KEY="$PWD/$OUT/teacher.key"
rm -f "$KEY"
FP=$(ip netns exec $P-h1 "$BIN" chat -room "Key check" -group 239.255.99.99:9999 -present -presenter-key "$KEY" -name x </dev/null 2>&1 |
	sed -n 's/.* with key \([A-Za-z0-9_-]\{11\}\).*/\1/p' | head -1)
[ -n "$FP" ] || { echo "FAIL: no fingerprint for the teacher's key"; exit 1; }
echo "teacher's key: $FP"

window() { # display, title fragment
	for _ in $(seq 1 150); do
		id=$(DISPLAY=:$1 xdotool search --name "$2" 2>/dev/null | head -1 || true)
		[ -n "$id" ] && { echo "$id"; return; }
		sleep 0.2
	done
	echo "no window '$2' on :$1" >&2; exit 1
}
type_line() { # display, window, key after the text, text
	DISPLAY=:$1 xdotool windowactivate --sync "$2" >/dev/null 2>&1 || DISPLAY=:$1 xdotool windowfocus "$2" >/dev/null 2>&1 || true
	DISPLAY=:$1 xdotool type --delay 15 "$4"
	DISPLAY=:$1 xdotool key "$3"
	sleep 0.7
}

# The PCs boot first: students in the room, the teacher's key pinned.
declare -A disp win pid
for s in 1 2 3; do
	start_xvfb; disp[s$s]=$xvfb
	mkdir -p "$OUT/home-pc$s"
	ip netns exec $P-h$((s + 1)) env DISPLAY=:$xvfb HOME="$PWD/$OUT/home-pc$s" \
		"$BIN" -room "$ROOM" -room-key "$FP" -name "PC0$s" >"$OUT/pc$s.log" 2>&1 & pid[s$s]=$!; pids+=(${pid[s$s]})
done
ip netns exec $P-h5 "$BIN" listen -room "$ROOM" -room-key "$FP" -name PC04 -json >"$OUT/pc4.jsonl" 2>"$OUT/pc4.err" & pc4=$!; pids+=($pc4)
for s in 1 2 3; do
	win[s$s]=$(window ${disp[s$s]} "Groupcast")
	DISPLAY=:${disp[s$s]} xdotool windowsize ${win[s$s]} 880 600 windowmove ${win[s$s]} 10 10 >/dev/null 2>&1 || true
done
sleep 4
DISPLAY=:${disp[s1]} import -window root "$OUT/student-waiting.png"
title=$(DISPLAY=:${disp[s1]} xdotool getwindowname ${win[s1]})
echo "a student's window while the teacher is not there: $title"
case "$title" in *Waiting*) ;; *) echo "FAIL: the student's window does not say it waits"; exit 1 ;; esac

# The teacher arrives.
start_xvfb; dt=$xvfb
mkdir -p "$OUT/home-teacher"
ip netns exec $P-h1 env DISPLAY=:$dt HOME="$PWD/$OUT/home-teacher" \
	"$BIN" -room "$ROOM" -present -readonly -presenter-key "$KEY" -name "Ms Lee" >"$OUT/teacher.log" 2>&1 & teacher=$!; pids+=($teacher)
wt=$(window $dt "Groupcast")
DISPLAY=:$dt xdotool windowsize $wt 880 600 windowmove $wt 10 10 >/dev/null 2>&1 || true
for _ in $(seq 1 100); do grep -q '"event":"joined"' "$OUT/pc4.jsonl" && break; sleep 0.1; done
grep -q '"event":"joined"' "$OUT/pc4.jsonl" || { echo "FAIL: the headless PC never joined"; cat "$OUT/pc4.err"; exit 1; }
sleep 3 # the windows join too; the roster fills

type_line $dt $wt ctrl+Return "Open chapter 3, please."
type_line $dt $wt Return "Yes, chapter 3 only."
sleep 2
DISPLAY=:$dt import -window root "$OUT/teacher.png"
DISPLAY=:${disp[s2]} import -window root "$OUT/student.png"

kill -INT $pc4; sleep 0.5
ann=$(grep -c '"text":"Open chapter 3, please.".*"announcement":true' "$OUT/pc4.jsonl" || true)
reply=$(grep '"text":"Yes, chapter 3 only."' "$OUT/pc4.jsonl" || true)
echo "the headless PC: announcement $ann, reply: $reply"
[ "$ann" -eq 1 ] || { echo "FAIL: the announcement did not arrive as one"; cat "$OUT/pc4.jsonl"; exit 1; }
case "$reply" in *'"presenter":true'*) ;; *) echo "FAIL: the reply is not the presenter's message"; exit 1 ;; esac
case "$reply" in *'"announcement":true'*) echo "FAIL: the reply was made an announcement"; exit 1 ;; esac
if grep -q '"event":"unreadable"' "$OUT/pc4.jsonl"; then echo "FAIL: a warning"; grep unreadable "$OUT/pc4.jsonl"; exit 1; fi

close_window teacher $teacher "$OUT/teacher.log"
for s in 1 2 3; do close_window "PC0$s" ${pid[s$s]} "$OUT/pc$s.log"; done
echo "every window closed cleanly; screenshots: $OUT/student-waiting.png $OUT/teacher.png $OUT/student.png"
