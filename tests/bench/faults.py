#!/usr/bin/env python3
"""Benchmark-style measurement of the timing actions: how long a Python
client really waits for a reply delayed by a rule, and what rate it sees
for a dripped reply and a throttled session, against what the scenario
asked for.  Prints the numbers; asserts nothing about timing.

    python3 tests/bench/faults.py /abs/path/to/build/mailrig

Everything is on 127.0.0.1 with free ports and every wait is bounded.
"""

import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DELAYS_MS = (250, 1000)
DRIPS_BPS = (100, 500, 2000)
THROTTLE_BPS = 4000
REPLY_BYTES = 600       # the dripped reply, CRLF included
THROTTLED_BYTES = 20000  # read from a throttled session
RUNS = 3

SCENARIO = """\
name: timing benchmark
servers:
  smtp: {tls: none}
rules:
%s
"""


def rules():
    out = []
    for ms in DELAYS_MS:
        out.append('  - on: {smtp: NOOP, args: "^delay%d$"}\n'
                   '    delay: %dms' % (ms, ms))
    text = "250 2.0.0 " + "x" * (REPLY_BYTES - 12)
    for bps in DRIPS_BPS:
        out.append('  - on: {smtp: NOOP, args: "^drip%d$"}\n'
                   '    reply: "%s"\n    drip: %d' % (bps, text, bps))
    out.append('  - on: {smtp: NOOP, args: "^throttle$"}\n'
               '    throttle: %d' % THROTTLE_BPS)
    return "\n".join(out)


def start(rig, d):
    path = os.path.join(d, "timing.yaml")
    with open(path, "w") as f:
        f.write(SCENARIO % rules())
    p = subprocess.Popen([rig, "serve", "--free-ports", "-s", path,
                          "--ca-file", os.path.join(d, "ca.pem")],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    data = b""
    deadline = time.monotonic() + 15
    while b"\n" not in data and time.monotonic() < deadline:
        if sel.select(deadline - time.monotonic()):
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    sel.close()
    if b"\n" not in data:
        p.kill()
        sys.exit("bench: mailrig printed no port line: %r" % data)
    return p, json.loads(data.split(b"\n")[0])["smtp"]


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""
        self.reply()
        self.cmd("EHLO bench.test")

    def reply(self):
        """One reply; returns its size in bytes."""
        n = 0
        for _ in range(100000):
            i = self.buf.find(b"\n")
            if i < 0:
                chunk = self.s.recv(65536)
                if not chunk:
                    sys.exit("bench: connection closed")
                self.buf += chunk
                continue
            line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
            n += len(line)
            if line[3:4] != b"-":
                return n
        sys.exit("bench: reply too long")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        return self.reply()

    def close(self):
        self.s.sendall(b"QUIT\r\n")
        self.s.close()


def timed(c, line):
    t0 = time.monotonic()
    n = c.cmd(line)
    return time.monotonic() - t0, n


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: faults.py /abs/path/to/mailrig")
    with tempfile.TemporaryDirectory(prefix="mailrig-bench-") as d:
        p, port = start(sys.argv[1], d)
        try:
            c = Client(port)
            base = statistics.median(timed(c, "NOOP")[0]
                                     for _ in range(20))
            print("(d) rule actions seen by a Python client on 127.0.0.1 "
                  "(median of %d runs)" % RUNS)
            print("  plain NOOP round trip: %.2f ms" % (base * 1000))
            for ms in DELAYS_MS:
                got = statistics.median(timed(c, "NOOP delay%d" % ms)[0]
                                        for _ in range(RUNS))
                print("  delay %5d ms: observed %7.1f ms (%+.1f ms)" % (
                    ms, got * 1000, got * 1000 - ms))
            for bps in DRIPS_BPS:
                got, n = [], 0
                for _ in range(RUNS):
                    dt, n = timed(c, "NOOP drip%d" % bps)
                    got.append(dt)
                dt = statistics.median(got)
                print("  drip %5d B/s: %d bytes in %6.3f s = %7.1f B/s "
                      "(%.0f%% of the asked rate)" % (bps, n, dt, n / dt,
                                                      100 * n / dt / bps))
            c.cmd("NOOP throttle")
            t0 = time.monotonic()
            n = 0
            while n < THROTTLED_BYTES:
                n += c.cmd("EHLO bench.test")
            dt = time.monotonic() - t0
            print("  throttle %d B/s: %d bytes in %.3f s = %.1f B/s "
                  "(%.0f%% of the asked rate)" % (THROTTLE_BPS, n, dt,
                                                  n / dt, 100 * n / dt /
                                                  THROTTLE_BPS))
            c.close()
        finally:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
