#!/bin/sh
# Benchmark: postfix's smtp-source against mailrig and against smtp-sink
# (the reference that only throws mail away), in the same run.
#
#   sh tests/bench/run.sh /abs/path/to/build/mailrig
#
# (a) 20 parallel sessions, one 1 KB message per session (smtp-source
#     reconnects for each message), BENCH_N messages in all;
# (b) one session, BENCH_BIG messages of 100 KB over it;
# (d) scenario delay, drip and throttle as a client sees them (faults.py).
# Prints messages per second for both servers, the ratio mailrig/smtp-sink,
# and the median time from starting mailrig to a readable 220 greeting.
# It prints numbers only: nothing here asserts on timing.  Everything is on
# 127.0.0.1 and every wait is bounded.
set -eu

MAILRIG=${1:-}
N=${BENCH_N:-20000}
BIG=${BENCH_BIG:-1000}
STARTS=${BENCH_STARTS:-7}
SOURCE=${SMTP_SOURCE:-/usr/sbin/smtp-source}
SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}

die() {
	echo "bench: $*" >&2
	exit 1
}

if [ -z "$MAILRIG" ] || [ ! -x "$MAILRIG" ]; then
	die "usage: run.sh /abs/path/to/mailrig (got '$MAILRIG')"
fi
if [ ! -x "$SOURCE" ] || [ ! -x "$SINK" ]; then
	die "$SOURCE or $SINK missing: install postfix (make deps-test)"
fi
command -v python3 >/dev/null 2>&1 || die "python3 missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailrig-bench.XXXXXX")
sink_pid=""
rig_pid=""
cleanup() {
	if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || :; fi
	if [ -n "$rig_pid" ]; then
		for f in "$tmp"/pid.*; do
			[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		done
	fi
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() {
	date +%s.%N
}

# A free port for smtp-sink (it cannot pick one itself).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Wait (at most 10 s) until something accepts on 127.0.0.1:$1 and greets.
wait_greeting() {
	python3 - "$1" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            if s.recv(512).startswith(b"220"):
                s.sendall(b"QUIT\r\n")
                sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# run_source LABEL PORT ARGS...: time one smtp-source run, print msgs/s.
# The rate goes to $tmp/rate.LABEL.
run_source() {
	label=$1
	port=$2
	shift 2
	t0=$(now)
	if ! "$SOURCE" -4 -M client.test -f bench@client.test \
	    -t sink@server.test "$@" "127.0.0.1:$port" \
	    >"$tmp/source.out" 2>&1; then
		cat "$tmp/source.out" >&2
		die "smtp-source failed against $label"
	fi
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v n="$msgs" -v l="$label" 'BEGIN {
		d = b - a; if (d <= 0) d = 0.000001
		printf "  %-18s %6d msgs in %7.3f s = %9.1f msgs/s\n", l, n, d, n / d
		printf "%.3f\n", n / d > "/dev/stderr"
	}' 2>"$tmp/rate.$label"
}

ratio() {
	awk -v a="$(cat "$tmp/rate.$1")" -v b="$(cat "$tmp/rate.$2")" \
	    'BEGIN { if (b > 0) printf "  ratio mailrig/smtp-sink: %.3f\n", a / b }'
}

# smtp-sink refuses to run as root without a user to switch to.
sink_user=""
[ "$(id -u)" -eq 0 ] && sink_user="-u nobody"
sink_port=$(free_port)
# shellcheck disable=SC2086
"$SINK" $sink_user "127.0.0.1:$sink_port" 256 >"$tmp/sink.out" 2>&1 &
sink_pid=$!
wait_greeting "$sink_port" ||
    die "smtp-sink did not start: $(cat "$tmp/sink.out")"

# start_rig NAME ARGS...: a mailrig in the background; its SMTP port
# goes to $tmp/port.NAME, its pid to $tmp/pid.NAME.
start_rig() {
	name=$1
	shift
	"$MAILRIG" serve --free-ports --http-port off "$@" \
	    >"$tmp/rig.$name.out" 2>"$tmp/rig.$name.err" &
	echo $! >"$tmp/pid.$name"
	i=0
	while ! grep -q '"smtp"' "$tmp/rig.$name.out" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 200 ] ||
		    die "no port line from mailrig: $(cat "$tmp/rig.$name.err")"
		kill -0 "$(cat "$tmp/pid.$name")" 2>/dev/null ||
		    die "mailrig exited: $(cat "$tmp/rig.$name.err")"
		sleep 0.05
	done
	sed -n 's/.*"smtp":[ ]*\([0-9][0-9]*\).*/\1/p' "$tmp/rig.$name.out" \
	    >"$tmp/port.$name"
	[ -s "$tmp/port.$name" ] ||
	    die "cannot read the smtp port from: $(cat "$tmp/rig.$name.out")"
}

stop_rig() {
	pid=$(cat "$tmp/pid.$1")
	kill "$pid"
	wait "$pid" ||
	    die "mailrig exited $? after SIGTERM: $(cat "$tmp/rig.$1.err")"
}

# The conformance checker's cost (issue: at most 10%): the same
# mailrig with the checker on (the default) and off (--no-check).
overhead() {
	awk -v a="$(cat "$tmp/rate.mailrig")" \
	    -v b="$(cat "$tmp/rate.mailrig--no-check")" \
	    'BEGIN { if (b > 0) printf "  checker cost: %.1f%% (rate with / without: %.3f)\n", (1 - a / b) * 100, a / b }'
}

start_rig mailrig
start_rig nocheck --no-check
rig_pid=$(cat "$tmp/pid.mailrig")
rig_port=$(cat "$tmp/port.mailrig")
nocheck_port=$(cat "$tmp/port.nocheck")

echo "mailrig bench: smtp-source against smtp-sink and mailrig on 127.0.0.1"
echo "(a) 20 parallel sessions, $N messages of 1 KB, one per connection"
msgs=$N
run_source smtp-sink "$sink_port" -s 20 -l 1024 -m "$N"
run_source mailrig "$rig_port" -s 20 -l 1024 -m "$N"
run_source mailrig--no-check "$nocheck_port" -s 20 -l 1024 -m "$N"
ratio mailrig smtp-sink
overhead

echo "(b) one session, $BIG messages of 100 KB"
msgs=$BIG
run_source smtp-sink "$sink_port" -d -s 1 -l 102400 -m "$BIG"
run_source mailrig "$rig_port" -d -s 1 -l 102400 -m "$BIG"
run_source mailrig--no-check "$nocheck_port" -d -s 1 -l 102400 -m "$BIG"
ratio mailrig smtp-sink
overhead

stop_rig mailrig
stop_rig nocheck
rig_pid=""

echo "(c) start to first 220 greeting, $STARTS runs"
python3 - "$MAILRIG" "$STARTS" <<'EOF'
import json, os, selectors, signal, socket, statistics, subprocess, sys
import tempfile, time
rig, runs = sys.argv[1], int(sys.argv[2])
times = []
for i in range(runs):
    with tempfile.TemporaryDirectory() as d:
        t0 = time.monotonic()
        p = subprocess.Popen([rig, "serve", "--free-ports", "--ca-file",
                              os.path.join(d, "ca.pem")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        try:
            sel = selectors.DefaultSelector()
            sel.register(p.stdout, selectors.EVENT_READ)
            line = b""
            deadline = t0 + 10
            while b"\n" not in line and time.monotonic() < deadline:
                if sel.select(deadline - time.monotonic()):
                    chunk = os.read(p.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    line += chunk
            sel.close()
            port = json.loads(line.split(b"\n")[0])["smtp"]
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=10) as s:
                greeting = s.recv(512)
                t1 = time.monotonic()
                if not greeting.startswith(b"220"):
                    sys.exit("bench: no 220 greeting: %r" % greeting)
                s.sendall(b"QUIT\r\n")
            times.append((t1 - t0) * 1000)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
print("  start to 220: median %.1f ms (min %.1f, max %.1f; includes "
      "making the CA and certificate)" % (statistics.median(times),
                                          min(times), max(times)))
EOF

# (d) the timing rule actions (delay, drip, throttle) as a Python client
# sees them, against the rates the scenario asked for.
python3 "$(dirname "$0")/faults.py" "$MAILRIG" ||
    die "faults.py failed"
