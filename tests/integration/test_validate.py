"""`mailrig validate` on the scenario library and on broken inputs.

Every scenarios/*.yaml must validate (exit 0) and must also validate
against scenarios/schema.json, the JSON Schema editors use, so the two
descriptions of the format cannot drift apart.  Every file under
tests/data/scenarios/bad/ must fail with exit 2 and the message its first
line announces ("# error: LINE:COL: text"), prefixed with the file name.
"""

import glob
import json
import os
import re
import subprocess
import unittest

import jsonschema
import yaml

import mrlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LIBRARY = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.yaml")))
GOOD = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "scenarios",
                                     "good", "*.yaml")))
BAD = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "scenarios",
                                    "bad", "*.yaml")))


class Yaml12Loader(yaml.SafeLoader):
    """libyaml hands mailrig plain strings; PyYAML follows YAML 1.1, where
    `on:` is a boolean and dates are datetime objects.  Resolve only what
    YAML 1.2's core schema resolves, so the schema sees what mailrig sees.
    """


Yaml12Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] not in ("tag:yaml.org,2002:timestamp",
                                     "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def validate(*paths):
    return subprocess.run([mrlib.MAILRIG, "validate"] + list(paths),
                          capture_output=True, text=True, timeout=30)


class TestValidate(unittest.TestCase):
    def test_library_size(self):
        self.assertGreaterEqual(len(LIBRARY), 15, LIBRARY)

    def test_library_validates(self):
        for path in LIBRARY + GOOD:
            with self.subTest(path=os.path.basename(path)):
                cp = validate(path)
                self.assertEqual(cp.returncode, 0, cp.stderr)
                self.assertIn(path + ": ok", cp.stdout)

    def test_library_documented(self):
        """Each scenario starts with a comment on what it simulates."""
        for path in LIBRARY:
            with self.subTest(path=os.path.basename(path)):
                with open(path) as f:
                    head = f.readline()
                self.assertTrue(head.startswith("# ") and len(head) > 20,
                                head)

    def test_library_against_schema(self):
        with open(os.path.join(ROOT, "scenarios", "schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        v = jsonschema.Draft7Validator(schema)
        for path in LIBRARY + GOOD:
            with self.subTest(path=os.path.basename(path)):
                with open(path) as f:
                    doc = yaml.load(f, Loader=Yaml12Loader)
                errs = ["%s: %s" % ("/".join(map(str, e.path)), e.message)
                        for e in v.iter_errors(doc)]
                self.assertEqual(errs, [])

    def test_schema_rejects_bad_shapes(self):
        """The schema is not vacuous: it refuses what mailrig refuses."""
        with open(os.path.join(ROOT, "scenarios", "schema.json")) as f:
            v = jsonschema.Draft7Validator(json.load(f))
        for doc in ({}, {"name": "x", "foo": 1},
                    {"name": "x", "rules": [{"on": {"smtp": "RCPT"},
                                             "delay": "5"}]},
                    {"name": "x", "servers": {"smtp": {"tls": "maybe"}}},
                    {"name": "x", "rules": [{"on": {"smtp": "RCPT",
                                                    "pop3": "RETR"},
                                             "delay": "1s"}]}):
            with self.subTest(doc=doc):
                self.assertTrue(list(v.iter_errors(doc)))

    def test_bad_inputs(self):
        self.assertGreaterEqual(len(BAD), 5)
        for path in BAD:
            with self.subTest(path=os.path.basename(path)):
                with open(path) as f:
                    head = f.readline().rstrip("\n")
                m = re.match(r"# error: (\d+:\d+): (.*)$", head)
                self.assertIsNotNone(m, head)
                cp = validate(path)
                self.assertEqual(cp.returncode, 2, cp.stdout + cp.stderr)
                self.assertTrue(cp.stderr.startswith(
                    "%s:%s: " % (path, m.group(1))), cp.stderr)
                self.assertIn(m.group(2), cp.stderr)
                self.assertEqual(cp.stdout, "")

    def test_many_files_one_bad(self):
        """Every file is checked; one bad file makes the exit code 2."""
        cp = validate(LIBRARY[0], BAD[0], LIBRARY[1])
        self.assertEqual(cp.returncode, 2)
        self.assertIn(LIBRARY[0] + ": ok", cp.stdout)
        self.assertIn(LIBRARY[1] + ": ok", cp.stdout)
        self.assertTrue(cp.stderr.startswith(BAD[0] + ":"), cp.stderr)

    def test_usage(self):
        cp = validate()
        self.assertEqual(cp.returncode, 2)
        self.assertIn("usage", cp.stderr)
        cp = validate(os.path.join(ROOT, "no-such-file.yaml"))
        self.assertEqual(cp.returncode, 2)
        self.assertIn("no-such-file.yaml: cannot open", cp.stderr)
