#!/usr/bin/env bash
# Files to a room, side by side with udpcast (udp-sender/udp-receiver) and
# UFTP (uftp/uftpd), on lab hosts (network namespaces on one bridge): the
# same random file from one host to 1, 5 and 10 others, with no loss and
# with each receiver dropping 1% of the UDP it receives (nftables). For
# each run: wall time (the sender's start to the last receiver's file),
# MB/s of file, bytes on the wire per byte of file (all hosts' transmitted
# bytes, headers included), the sender's CPU time, and whether every
# receiver's SHA-256 equals the file's, and the CPU time of the sender and
# of all receivers together, and any datagrams the hosts dropped for a
# full receive buffer (an overrun). All three send at most 400 Mbit/s. With
# Groupcast the sender is a chat (as a teacher's one window sends a file
# and talks): "/file PATH", then a line every 20 ms while the file goes,
# and the first receiver's listener says how long each took to arrive: a
# message must not wait behind a file.
# Needs root, iproute2, nftables, udpcast, uftp, time (installed when missing).
#
#   scripts/bench-files.sh                 # 50 MB; RECEIVERS="1 5 10" LOSS="0 1"
#   SIZE_MB=20 RECEIVERS=5 LOSS=1 scripts/bench-files.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-50}
RECEIVERS=${RECEIVERS:-"1 5 10"}
LOSS=${LOSS:-"0 1"}
TOOLS=${TOOLS:-"groupcast udpcast uftp"}
RATE_MBIT=400
OUT=${OUT:-tmp/bench-files}
BIN=${GROUPCAST_BIN:-./groupcast}
[ -x "$BIN" ] || make build >/dev/null
BIN=$(realpath "$BIN")
for tool in udp-sender uftp nft ip; do
	command -v $tool >/dev/null || { scripts/apt-install udpcast uftp nftables iproute2; break; }
done
[ -x /usr/bin/time ] || scripts/apt-install time # receivers' CPU time

P=gcbf$$
max=0
for n in $RECEIVERS; do [ "$n" -gt "$max" ] && max=$n; done
hosts=$((max + 1))
cleanup() {
	for i in $(seq 0 $max); do # whatever still runs on a host
		ip netns pids $P-h$i 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	for i in $(seq 0 $max); do ip netns del $P-h$i 2>/dev/null || true; done
	ip netns del $P-hub 2>/dev/null || true
}
trap cleanup EXIT
ip netns add $P-hub; ip -n $P-hub link set lo up
ip -n $P-hub link add br0 type bridge mcast_snooping 0; ip -n $P-hub link set br0 up
for i in $(seq 0 $max); do
	ip netns add $P-h$i; ip -n $P-h$i link set lo up
	ip link add ${P}v$i netns $P-hub type veth peer name eth0 netns $P-h$i
	ip -n $P-hub link set ${P}v$i master br0 up
	ip -n $P-h$i addr add 198.18.1.$((i + 1))/24 dev eth0; ip -n $P-h$i link set eth0 up
	ip -n $P-h$i route add default dev eth0
done
# on HOST CMD… runs CMD on a lab host (in the foreground: a background
# job is started with ip netns exec itself, so that $! is its process).
on() { local h=$1; shift; ip netns exec $P-h$h "$@"; }
# ticks PID: its user and system CPU seconds so far ("0 0" when gone).
hz=$(getconf CLK_TCK)
ticks() { awk -v hz=$hz '{print $14 / hz, $15 / hz}' /proc/$1/stat 2>/dev/null || echo "0 0"; }

mkdir -p "$OUT"
OUT=$(realpath "$OUT")
file=$OUT/file.bin
head -c $((SIZE_MB * 1000000)) /dev/urandom >"$file"
want=$(sha256sum "$file" | cut -d' ' -f1)

loss() { # loss HOST PERCENT
	[ "$2" = 0 ] && return 0
	on $1 nft -f - <<NFT
table inet gcbloss {
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto udp numgen random mod 100 < $2 counter drop
	}
}
NFT
}
noloss() { on $1 nft delete table inet gcbloss 2>/dev/null || true; }
txbytes() { # the bytes all hosts have sent
	local sum=0
	for i in $(seq 0 $max); do sum=$((sum + $(on $i cat /sys/class/net/eth0/statistics/tx_bytes))); done
	echo $sum
}
overruns() { # datagrams the hosts' kernels dropped for a full receive buffer
	local sum=0
	for i in $(seq 0 $max); do
		sum=$((sum + $(on $i awk '/^Udp:/ { if (!h) { for (f = 1; f <= NF; f++) if ($f == "RcvbufErrors") c = f; h = 1 } else print $c }' /proc/net/snmp)))
	done
	echo $sum
}

printf '%-10s %9s %5s %8s %8s %10s %9s %9s %s\n' tool receivers loss "time s" "MB/s" "wire/file" "CPU s" "rx CPU s" "SHA-256"
run() { # run TOOL N LOSS
	local tool=$1 n=$2 l=$3
	for i in $(seq 1 $n); do rm -rf "$OUT/rx$i"; mkdir -p "$OUT/rx$i"; loss $i $l; done
	local pids=() start end before after cpu ok=0
	case $tool in
	groupcast)
		for i in $(seq 1 $n); do
			json=/dev/null
			[ $i = 1 ] && json=$OUT/rx1.jsonl
			ip netns exec $P-h$i env ${RXENV:-} "$BIN" listen -group 239.255.8.8:8888 -name rx$i -save "$OUT/rx$i" -json >$json 2>/dev/null &
			pids+=($!)
		done
		# The sender is a chat that posts a line every 20 ms, stamped
		# when written; when the run starts it is told "/file PATH".
		rm -f "$OUT/go"
		(while :; do
			[ -e "$OUT/go" ] && rm -f "$OUT/go" && echo "/file $file"
			echo "probe $(date +%s%N)"
			sleep 0.02
		done) | ip netns exec $P-h0 "$BIN" chat -group 239.255.8.8:8888 -name sender -file-rate $RATE_MBIT >/dev/null 2>&1 &
		sender=$!
		sleep 1.5 ;;
	udpcast)
		for i in $(seq 1 $n); do
			ip netns exec $P-h$i /usr/bin/time -o $OUT/rx$i.time -f "%U %S" udp-receiver --interface eth0 --nokbd --mcast-rdv-address 239.255.9.1 --file "$OUT/rx$i/file.bin" >/dev/null 2>&1 &
			pids+=($!)
		done
		sleep 1 ;;
	uftp)
		for i in $(seq 1 $n); do
			ip netns exec $P-h$i uftpd -d -D "$OUT/rx$i" -I eth0 -L /dev/null >/dev/null 2>&1 &
			pids+=($!)
		done
		sleep 1 ;;
	esac
	before=$(txbytes) drops0=$(overruns)
	start=$(date +%s.%N)
	local TIMEFORMAT='%U %S'
	case $tool in
	groupcast) # the time runs to the last receiver's file
		local cpu0; cpu0=$(ticks $sender)
		touch "$OUT/go" ;;
	udpcast) cpu=$( { time on 0 timeout 120 udp-sender --interface eth0 --nokbd --mcast-rdv-address 239.255.9.1 --min-receivers $n --max-bitrate ${RATE_MBIT}m --file "$file" >/dev/null 2>&1; } 2>&1 || true) ;;
	uftp) cpu=$( { time on 0 timeout 120 uftp -I eth0 -R $((RATE_MBIT * 1000)) -C none -L /dev/null "$file" >/dev/null 2>&1; } 2>&1 || true) ;;
	esac
	# The last receiver's file: udp-receiver exits when done; the others
	# have it once its SHA-256 is right (polled).
	local deadline=$(($(date +%s) + 120))
	while :; do
		ok=0
		for i in $(seq 1 $n); do
			f=$(ls "$OUT/rx$i"/file.bin 2>/dev/null || true)
			[ -n "$f" ] && [ "$(stat -c %s "$f")" = $((SIZE_MB * 1000000)) ] && ok=$((ok + 1))
		done
		[ $ok = $n ] && [ $tool != udpcast ] && break
		[ $tool = udpcast ] && ! kill -0 "${pids[@]}" 2>/dev/null && break
		[ "$(date +%s)" -gt $deadline ] && break
		sleep 0.05
	done
	end=$(date +%s.%N)
	after=$(txbytes) drops=$(($(overruns) - drops0))
	local rxcpu=0
	if [ $tool = groupcast ]; then
		cpu=$(python3 -c "a, b = '$cpu0'.split(), '$(ticks $sender)'.split(); print(float(b[0]) - float(a[0]), float(b[1]) - float(a[1]))")
		kill $sender 2>/dev/null || true
	fi
	if [ $tool != udpcast ]; then
		for p in "${pids[@]}"; do rxcpu=$(python3 -c "print($rxcpu + $(ticks $p | tr ' ' '+'))"); done
	fi
	for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done
	wait "${pids[@]}" 2>/dev/null || true
	if [ $tool = udpcast ]; then
		for i in $(seq 1 $n); do
			# two numbers, once /usr/bin/time has written them (an
			# unfinished file is skipped, not summed)
			local t; t=$(cat $OUT/rx$i.time 2>/dev/null || true)
			if [[ $t =~ ^[0-9.]+\ [0-9.]+$ ]]; then rxcpu=$(python3 -c "print($rxcpu + ${t/ /+})"); fi
			rm -f $OUT/rx$i.time
		done
	fi
	local same=0
	for i in $(seq 1 $n); do
		[ "$(sha256sum "$OUT/rx$i/file.bin" 2>/dev/null | cut -d' ' -f1)" = "$want" ] && same=$((same + 1))
		noloss $i
	done
	python3 - "$tool" $n $l "$start" "$end" $before $after $SIZE_MB "$cpu" $same "$OUT/rx1.jsonl" $rxcpu $drops <<'PY'
import sys, json, datetime
tool, n, l, start, end, before, after, size, cpu, same, chat, rxcpu, drops = sys.argv[1:]
t = float(end) - float(start)
u, s = (cpu.split() + ["0", "0"])[:2]
line = f"{tool:<10} {n:>9} {l+'%':>5} {t:8.2f} {int(size)/t:8.1f} {(int(after)-int(before))/(int(size)*1e6):10.3f} {float(u)+float(s):9.2f} {float(rxcpu):9.2f} {same} of {n} equal"
if drops != "0":
    line += f"; {drops} datagrams dropped by full receive buffers"
if tool == "groupcast":
    # Each probe line: from the engine sending it (its header's time) to
    # the first receiver's engine delivering it, and from the line being
    # written (its stamp) to that, which adds the sending process reading
    # its input on a computer with every core busy.
    ts = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    engine, typed = [], []
    try:
        for row in open(chat):
            e = json.loads(row)
            if e.get("event") != "message" or not e.get("text", "").startswith("probe "):
                continue
            stamp = int(e["text"].split()[1]) / 1e9
            if float(start) <= stamp <= float(end):
                got = ts(e["received"])
                engine.append((got - ts(e["time"])) * 1000)
                typed.append((got - stamp) * 1000)
    except OSError:
        pass
    pct = lambda d, q: sorted(d)[min(len(d) - 1, int(len(d) * q))]
    if engine:
        line += (f"; chat meanwhile: {len(engine)} lines, sent to delivered p50 {pct(engine, 0.5):.1f} ms, "
                 f"p99 {pct(engine, 0.99):.1f} ms; written to delivered p50 {pct(typed, 0.5):.1f}, p99 {pct(typed, 0.99):.1f} ms")
print(line)
PY
	rm -f "$OUT/rx1.jsonl"
}
for n in $RECEIVERS; do
	for l in $LOSS; do
		for tool in $TOOLS; do
			run $tool $n $l
		done
	done
done
