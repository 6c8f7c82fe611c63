#!/usr/bin/env bash
# Runs an MPI program as 2 processes on 2 "hosts" that only talk TCP: two network namespaces
# of this machine (mpi-a 10.77.0.1, mpi-b 10.77.0.2) joined by a veth pair, with mpirun
# starting the remote side through `ip netns exec` instead of ssh. Needs root (or
# CAP_NET_ADMIN) and iproute2. This is how Documentation/Distributed.md measured TCP. Both
# "hosts" share this machine's cores, so a waiting process yields its core (mpi_yield_when_idle).
#
#   scripts/mpi-two-hosts.sh [--rate 10gbit] PROGRAM [ARGUMENTS...]
#   scripts/mpi-two-hosts.sh --teardown
set -euo pipefail
if [ "${1:-}" = "--teardown" ]; then
    ip netns del mpi-a 2>/dev/null || true
    ip netns del mpi-b 2>/dev/null || true
    exit 0
fi
rate=""
if [ "${1:-}" = "--rate" ]; then rate=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [--rate RATE] PROGRAM [ARGUMENTS...] | --teardown" >&2; exit 2; }

namespaces=$(ip netns list)
if ! grep -q '^mpi-a' <<< "$namespaces"; then
    ip netns add mpi-a
    ip netns add mpi-b
    ip link add veth-a type veth peer name veth-b
    ip link set veth-a netns mpi-a
    ip link set veth-b netns mpi-b
    ip -n mpi-a addr add 10.77.0.1/24 dev veth-a
    ip -n mpi-b addr add 10.77.0.2/24 dev veth-b
    for ns in mpi-a mpi-b; do ip -n $ns link set lo up; done
    ip -n mpi-a link set veth-a up
    ip -n mpi-b link set veth-b up
fi
# Optionally cap the link, both directions (a token bucket; "10gbit", "1gbit", ...).
for pair in mpi-a:veth-a mpi-b:veth-b; do
    ns=${pair%%:*} dev=${pair##*:}
    tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
    [ -z "$rate" ] || tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst 1mbit latency 50ms
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/netns-rsh" <<'AGENT'
#!/bin/bash
# mpirun's remote-shell agent: "host" 10.77.0.N runs the command in namespace mpi-a / mpi-b.
host=$1; shift
case "$host" in 10.77.0.1) ns=mpi-a ;; 10.77.0.2) ns=mpi-b ;; *) echo "netns-rsh: unknown host $host" >&2; exit 1 ;; esac
exec ip netns exec "$ns" /bin/sh -c "$*"
AGENT
chmod +x "$work/netns-rsh"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$work/hosts"
program=$(realpath "$1"); shift
ip netns exec mpi-a mpirun --allow-run-as-root --hostfile "$work/hosts" -np 2 \
    --mca plm_rsh_agent "$work/netns-rsh" --mca btl tcp,self \
    --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    --mca mpi_yield_when_idle 1 \
    "$program" "$@"
