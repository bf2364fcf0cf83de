# Sourced by the GUI lab scripts: lab hosts $P-h1…h$HOSTS (default 3;
# 198.18.0.1… on eth0) on one bridge in $P-hub, and a cleanup on exit that kills the
# processes listed in pids and removes the namespaces. Needs P set, root,
# and the tools named in TOOLS (installed from their Debian packages,
# PACKAGES, when missing).
for tool in $TOOLS; do
	command -v $tool >/dev/null || { "$(dirname "${BASH_SOURCE[0]}")/apt-install" $PACKAGES; break; }
done

HOSTS=${HOSTS:-3}
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del $P-hub 2>/dev/null || true
	for i in $(seq 1 $HOSTS); do ip netns del $P-h$i 2>/dev/null || true; done
}
trap cleanup EXIT

# start_xvfb: a virtual display for a window; its number is left in xvfb
# once it accepts connections. The wait is for its socket, not a fixed
# sleep (on a busy machine a second was not always enough, and the window
# then failed to open the display), and a number already taken is not
# tried.
start_xvfb() {
	local d pid
	for _ in $(seq 1 20); do
		d=$((90 + RANDOM % 400))
		[ -e /tmp/.X$d-lock ] && continue
		rm -f /tmp/.X11-unix/X$d # a socket left by a server that died
		Xvfb :$d -screen 0 900x620x24 >/dev/null 2>&1 & pid=$!
		for _ in $(seq 1 150); do
			if [ -S /tmp/.X11-unix/X$d ]; then pids+=($pid); xvfb=$d; return; fi
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		kill $pid 2>/dev/null || true
	done
	echo "FAIL: no Xvfb display could be started" >&2
	return 1
}

# close_window NAME PID LOG: SIGTERM closes a window as the user would: it
# leaves and exits 0 within 15 s. A window that does not is made to print
# where every goroutine is (SIGQUIT, into LOG), and the run fails with
# that, never hangs.
close_window() {
	local who=$1 pid=$2 log=$3 code=0
	kill -TERM "$pid"
	for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "FAIL: $who's window did not close within 15 s of SIGTERM; where it was:"
		kill -QUIT "$pid" 2>/dev/null || true
		sleep 2
		kill -KILL "$pid" 2>/dev/null || true
		grep -v '^\s*$' "$log" | head -400
		return 1
	fi
	wait "$pid" || code=$?
	[ "$code" = 0 ] || { echo "FAIL: $who's window exited $code"; cat "$log"; return 1; }
}

ip netns add $P-hub; ip -n $P-hub link set lo up
ip -n $P-hub link add br0 type bridge mcast_snooping 0; ip -n $P-hub link set br0 up
for i in $(seq 1 $HOSTS); do
	ip netns add $P-h$i; ip -n $P-h$i link set lo up
	ip link add ${P}v$i netns $P-hub type veth peer name eth0 netns $P-h$i
	ip -n $P-hub link set ${P}v$i master br0 up
	ip -n $P-h$i addr add 198.18.0.$i/24 dev eth0; ip -n $P-h$i link set eth0 up
	ip -n $P-h$i route add default dev eth0
done
