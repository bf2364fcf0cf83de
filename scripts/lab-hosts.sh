# Sourced by the GUI lab scripts: three lab hosts $P-h1…h3 (198.18.0.1–3 on
# eth0) on one bridge in $P-hub, and a cleanup on exit that kills the
# processes listed in pids and removes the namespaces. Needs P set, root,
# and the tools named in TOOLS (installed from their Debian packages,
# PACKAGES, when missing).
for tool in $TOOLS; do
	command -v $tool >/dev/null || { "$(dirname "${BASH_SOURCE[0]}")/apt-install" $PACKAGES; break; }
done

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for h in hub h1 h2 h3; do ip netns del $P-$h 2>/dev/null || true; done
}
trap cleanup EXIT

ip netns add $P-hub; ip -n $P-hub link set lo up
ip -n $P-hub link add br0 type bridge mcast_snooping 0; ip -n $P-hub link set br0 up
for i in 1 2 3; do
	ip netns add $P-h$i; ip -n $P-h$i link set lo up
	ip link add ${P}v$i netns $P-hub type veth peer name eth0 netns $P-h$i
	ip -n $P-hub link set ${P}v$i master br0 up
	ip -n $P-h$i addr add 198.18.0.$i/24 dev eth0; ip -n $P-h$i link set eth0 up
	ip -n $P-h$i route add default dev eth0
done
