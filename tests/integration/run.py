#!/usr/bin/env python3
"""Integration runner: real mail clients (swaks, curl, msmtp, python
smtplib, nodemailer) and hostile raw-socket clients against a running
`mailrig serve`.

    MAILRIG=/abs/build/mailrig python3 tests/integration/run.py [-k PATTERN]

Each test module (test_*.py beside this file) starts its own mailrig with
free ports.  One line per test, then exactly one summary line
"N passed, N failed"; the exit status is non-zero on any failure.  A test
that cannot run (missing client) fails with a message; nothing is skipped.
"""

import argparse
import fnmatch
import os
import resource
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mrlib  # noqa: E402


class Result(unittest.TestResult):
    """Counts tests, prints one line each; class set-up and tear-down
    errors (a server that did not start or exited non-zero) count as
    failures too."""

    def __init__(self, verbose):
        super().__init__()
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.t0 = 0.0

    def startTest(self, test):
        super().startTest(test)
        self.t0 = time.monotonic()
        if self.verbose:
            print("run  %s" % test.id(), flush=True)

    def _line(self, word, test, detail=None):
        name = test.id() if hasattr(test, "id") else str(test)
        dt = time.monotonic() - self.t0
        print("%-4s %s (%.2fs)" % (word, name, dt), flush=True)
        if detail:
            for ln in detail.rstrip().splitlines():
                print("     | " + ln)
            sys.stdout.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line("ok", test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failed += 1
        self._line("FAIL", test, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self.failed += 1
        self._line("FAIL", test, self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        # No skips in this suite: a test that would skip has failed.
        super().addSkip(test, reason)
        self.failed += 1
        self._line("FAIL", test, "skipped (not allowed): %s" % reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.failed += 1
        self._line("FAIL", test, "expected failures are not allowed")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed += 1
        self._line("FAIL", test, "unexpected success")


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def matches(test, patterns):
    if not patterns:
        return True
    tid = test.id()
    for p in patterns:
        if any(c in p for c in "*?["):
            if fnmatch.fnmatchcase(tid, p) or fnmatch.fnmatchcase(
                    tid, "*" + p + "*"):
                return True
        elif p.lower() in tid.lower():
            return True
    return False


def raise_nofile():
    """1000 simultaneous sessions need more descriptors than the usual
    soft limit of 1024, in this process and in the mailrig it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    metavar="PATTERN",
                    help="run tests whose id contains PATTERN (or matches "
                    "it as a glob); may be repeated")
    ap.add_argument("-v", action="store_true", help="print each test as "
                    "it starts")
    ap.add_argument("-l", "--list", action="store_true",
                    help="list the test ids and exit")
    args = ap.parse_args()

    raise_nofile()
    loader = unittest.TestLoader()
    everything = loader.discover(HERE, pattern="test_*.py",
                                 top_level_dir=HERE)
    tests = [t for t in flatten(everything) if matches(t, args.patterns)]
    if args.list:
        for t in tests:
            print(t.id())
        return 0

    # Work files of this run only; kept when something failed.
    shutil.rmtree(mrlib.OUT, ignore_errors=True)
    result = Result(args.v)
    t0 = time.monotonic()
    if not tests:
        print("no test matches %s" % " ".join(args.patterns))
        result.failed += 1
    elif not mrlib.MAILRIG:
        print("MAILRIG is not set: run `make integration`, or set "
              "MAILRIG to the absolute path of build/mailrig")
        result.failed += len(tests)
    else:
        unittest.TestSuite(tests).run(result)
    print("time %.1fs%s" % (time.monotonic() - t0,
          " (sanitized build)" if mrlib.SANITIZED else ""))
    if not result.failed:
        shutil.rmtree(mrlib.OUT, ignore_errors=True)
    else:
        print("work files kept in %s" % mrlib.OUT)
    print("%d passed, %d failed" % (result.passed, result.failed))
    return 1 if result.failed or not result.passed else 0


if __name__ == "__main__":
    sys.exit(main())
