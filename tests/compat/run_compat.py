#!/usr/bin/env python3
"""fanlab's compatibility suite: real AWS clients against `fanlab serve --http`.

    run_compat.py --fanlab build/release/fanlab [--markdown] [--json FILE]
                  [--write-expected] [--clients SUBSTRING,...] [-j N]

Finds every client this machine has (the AWS SDK for JavaScript v3 and
sqs-consumer from tests/compat/node_modules when node is present; boto3
under Debian's /usr/bin/python3 and under the python3 on PATH; the aws CLI
at /usr/bin/aws and on PATH), starts one fanlab server per client (HTTP
on port 0, read back from its output), runs the client's scenarios
(SQS, SNS, S3, Lambda, DynamoDB, EventBridge) and compares every case
with expected.json:

    {"<client id>": {"<service>": {"<case>": "pass" | "gap: <reason>"}}}

Exit 0 when every case is as expected; 1 when an expected pass fails, a
listed gap now passes (flip it to "pass"), or a case is missing from the
file; 2 on a usage or setup error (no fanlab, node present without
`npm ci`); 77 when no client can run here (ctest reports a skip).
A client version with no entry in expected.json is run and reported,
not checked. --write-expected rewrites the file from this run (a gap that
still fails keeps its reason).

Bounded: every client call has connect/read timeouts and no retries,
each runner process a wall-time limit, the whole run DEADLINE_S.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICES = [("sqs", "SQS"), ("sns", "SNS"), ("s3", "S3"), ("lambda", "Lambda"),
            ("dynamodb", "DynamoDB"), ("eventbridge", "EventBridge")]
DEADLINE_S = 540          # the whole suite (ctest's TIMEOUT is 600)
RUNNER_TIMEOUT_S = 360    # one client's scenarios (a hang guard: the aws CLI alone takes 2-3 min)
SERVER_START_TIMEOUT_S = 15

FUNCTION_SOURCE = '''\
def handler(event, context):
    print("compat-echo says hello")
    return {"echo": event}
'''


class Client:
    """One client installation: how to run its scenarios and its names."""

    def __init__(self, kind, command, where):
        self.kind = kind          # aws-sdk-js, sqs-consumer, boto3, aws-cli
        self.command = command    # argv before ENDPOINT WORKDIR
        self.where = where        # how the table names its origin
        self.version = "?"
        self.results = []         # dicts from the runner
        self.fatal = ""
        self.seconds = 0.0

    @property
    def id(self):
        """Key in expected.json: kind and major.minor version."""
        return f"{self.kind} {'.'.join(self.version.split('.')[:2])}"

    @property
    def label(self):
        names = {"aws-sdk-js": "AWS SDK for JavaScript v3",
                 "sqs-consumer": "sqs-consumer", "boto3": "boto3",
                 "aws-cli": "aws CLI"}
        return f"{names[self.kind]} {self.version} ({self.where})"


def discover(args):
    """The clients on this machine, and notes on those that are not."""
    clients, notes = [], []
    node = shutil.which("node")
    if not node:
        notes.append("skipped the JavaScript clients: node is not installed")
    elif not os.path.isdir(os.path.join(HERE, "node_modules", "@aws-sdk")):
        sys.exit("run_compat: node is installed but tests/compat/node_modules "
                 "is missing: run scripts/setup.sh (npm ci in tests/compat)")
    else:
        runner = [node, os.path.join(HERE, "sdk_runner.mjs")]
        clients.append(Client("aws-sdk-js", runner, "npm, tests/compat"))
        clients[-1].mode = "sdk"
        clients.append(Client("sqs-consumer", runner,
                              "npm, with sqs-producer"))
        clients[-1].mode = "sqs-consumer"

    seen = set()
    for python, where in [("/usr/bin/python3", "Debian's python3"),
                          (shutil.which("python3"), "python3 on PATH")]:
        if not python or not os.access(python, os.X_OK):
            continue
        try:
            probe = subprocess.run(
                [python, "-c", "import sys, boto3; "
                 "print(sys.executable, boto3.__version__)"],
                capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            notes.append(f"{python}: {e}")
            continue
        if probe.returncode != 0:
            notes.append(f"skipped boto3 under {python}: it has no boto3")
            continue
        executable = os.path.realpath(probe.stdout.split()[0])
        if executable in seen:
            continue
        seen.add(executable)
        client = Client("boto3",
                        [python, os.path.join(HERE, "boto3_runner.py")], where)
        clients.append(client)

    seen = set()
    for aws, where in [("/usr/bin/aws", "Debian's /usr/bin/aws"),
                       (shutil.which("aws"), "aws on PATH")]:
        if not aws or not os.access(aws, os.X_OK):
            continue
        try:
            version = subprocess.run([aws, "--version"], capture_output=True,
                                     text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            notes.append(f"{aws}: {e}")
            continue
        key = (version.stdout + version.stderr).split()[:1]
        if version.returncode != 0 or not key or tuple(key) in seen:
            continue
        seen.add(tuple(key))
        clients.append(Client(
            "aws-cli",
            [sys.executable, os.path.join(HERE, "cli_runner.py"), aws], where))

    if args.clients:
        wanted = args.clients.split(",")
        clients = [c for c in clients
                   if any(w in c.kind or w in c.where for w in wanted)]
    return clients, notes


class Server:
    """A `fanlab serve` with HTTP on 127.0.0.1:0 and no TCP port of its own."""

    def __init__(self, fanlab, workdir):
        self.log_path = os.path.join(workdir, "fanlab.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [fanlab, "serve", "--bind", "inproc://compat",
             "--http", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            start_new_session=True)
        self.url = None
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                self.log.write(line)
                self.log.flush()
                m = re.search(r"HTTP on (http://\S+)", line)
                if m and not self.url:
                    self.url = m.group(1)
                    found.set()
            found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        found.wait(SERVER_START_TIMEOUT_S)
        if not self.url:
            self.stop()
            raise RuntimeError("fanlab serve printed no HTTP address: "
                               + self.log_tail())

    def log_tail(self):
        with open(self.log_path) as f:
            return " | ".join(f.read().strip().splitlines()[-5:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(5)
        self.log.close()


def client_environment(workdir):
    """Credentials, region and no retries for every client; no user config."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("AWS_"):
            del env[name]
    config = os.path.join(workdir, "aws-config")
    with open(config, "w") as f:
        f.write("[default]\nregion = us-east-1\n"
                "max_attempts = 1\nretry_mode = standard\n")
    env.update({
        "AWS_ACCESS_KEY_ID": "compat", "AWS_SECRET_ACCESS_KEY": "compat",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(workdir, "none"),
        "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
        "NODE_NO_WARNINGS": "1",
    })
    return env


def run_client(client, fanlab, root, deadline):
    """Runs one client's scenarios against its own server."""
    start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix=client.kind + "-", dir=root)
    shutil.copy(os.path.join(root, "function.zip"), workdir)
    try:
        server = Server(fanlab, workdir)
    except (OSError, RuntimeError) as e:
        client.fatal = str(e)
        return
    command = client.command + [server.url, workdir]
    if getattr(client, "mode", None):
        command.append(client.mode)
    timeout = max(5.0, min(RUNNER_TIMEOUT_S, deadline - time.monotonic()))
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env=client_environment(workdir),
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        client.fatal = f"runner stopped after {timeout:.0f} s"
    finally:
        server.stop()
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "client" in record:
            client.version = record["version"]
        elif "fatal" in record:
            client.fatal = record["fatal"]
        elif "case" in record:
            client.results.append(record)
    if process.returncode not in (0, None) and not client.fatal:
        lines = [l for l in err.splitlines() if l.strip()]
        client.fatal = (f"runner exit {process.returncode}: "
                        + " | ".join(lines[-3:]))
    client.seconds = time.monotonic() - start


def compare(clients, expected):
    """Mismatches as lines; and the clients with no expectations."""
    problems, unchecked = [], []
    for c in clients:
        if c.id not in expected:
            unchecked.append(c)
            continue
        want = expected[c.id]
        got = {(r["service"], r["case"]): r for r in c.results}
        for (service, case), r in got.items():
            expectation = want.get(service, {}).get(case)
            where = f"{c.id} / {service} / {case}"
            if expectation is None:
                problems.append(f"{where}: not in expected.json "
                                f"({'pass' if r['ok'] else r['error']})")
            elif expectation == "pass" and not r["ok"]:
                problems.append(f"{where}: expected to pass, failed: "
                                f"{r['error']}")
            elif expectation != "pass" and r["ok"]:
                problems.append(f"{where}: listed as a gap, now passes: "
                                "flip it to \"pass\" in expected.json")
        for service, cases in want.items():
            for case, expectation in cases.items():
                if (service, case) not in got and expectation == "pass":
                    problems.append(
                        f"{c.id} / {service} / {case}: expected to pass, "
                        f"never ran ({c.fatal or 'the runner skipped it'})")
    return problems, unchecked


def table(clients):
    lines = ["| Client | " + " | ".join(n for _, n in SERVICES) + " |",
             "|---|" + "---|" * len(SERVICES)]
    for c in clients:
        cells = []
        for service, _ in SERVICES:
            rs = [r for r in c.results if r["service"] == service]
            ok = sum(r["ok"] for r in rs)
            if not rs:
                cells.append("–")
            else:
                cells.append(f"{'✅' if ok == len(rs) else '❌'} "
                             f"{ok}/{len(rs)}")
        lines.append(f"| {c.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_expected(path, clients, old):
    new = dict(old)
    for c in clients:
        entry = {}
        for r in c.results:
            previous = old.get(c.id, {}).get(r["service"], {}).get(r["case"])
            if r["ok"]:
                value = "pass"
            elif previous and previous != "pass":
                value = previous
            else:
                value = "gap: " + r["error"]
            entry.setdefault(r["service"], {})[r["case"]] = value
        new[c.id] = entry
    with open(path, "w") as f:
        json.dump(new, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fanlab", required=True, help="the fanlab binary")
    parser.add_argument("--expected", default=os.path.join(HERE,
                                                           "expected.json"))
    parser.add_argument("--markdown", action="store_true",
                        help="print only the Markdown table (for README)")
    parser.add_argument("--json", help="write every case's result here")
    parser.add_argument("--write-expected", action="store_true",
                        help="rewrite --expected from this run")
    parser.add_argument("--clients", help="only clients whose kind or origin "
                        "contains one of these, comma-separated")
    parser.add_argument("-j", "--jobs", type=int, default=2,
                        help="clients run at once")
    args = parser.parse_args()

    if not os.access(args.fanlab, os.X_OK):
        sys.exit(f"run_compat: no fanlab executable at {args.fanlab}")
    clients, notes = discover(args)
    for note in notes:
        print(f"compat: {note}", file=sys.stderr)
    if not clients:
        print("compat: SKIPPED: no AWS client found (node with "
              "tests/compat/node_modules, boto3, or the aws CLI)")
        return 77
    with open(args.expected) as f:
        expected = json.load(f)

    start = time.monotonic()
    deadline = start + DEADLINE_S
    root = tempfile.mkdtemp(prefix="fanlab-compat-")
    try:
        with zipfile.ZipFile(os.path.join(root, "function.zip"), "w") as z:
            z.writestr("index.py", FUNCTION_SOURCE)
        # The slow clients (one process per CLI command) start first.
        order = sorted(clients, key=lambda c: c.kind != "aws-cli")
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for future in [pool.submit(run_client, c, args.fanlab, root,
                                       deadline) for c in order]:
                future.result()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.monotonic() - start

    if args.write_expected:
        write_expected(args.expected, clients, expected)
        with open(args.expected) as f:
            expected = json.load(f)
    problems, unchecked = compare(clients, expected)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"client": c.id, "label": c.label, "fatal": c.fatal,
                        "seconds": round(c.seconds, 1), "cases": c.results}
                       for c in clients], f, indent=2, ensure_ascii=False)
    if args.markdown:
        print(table(clients))
        return 1 if problems else 0

    for c in clients:
        cases = len(c.results)
        ok = sum(r["ok"] for r in c.results)
        print(f"{c.label}: {ok}/{cases} cases pass, {c.seconds:.1f} s"
              + (f"; {c.fatal}" if c.fatal else ""))
        for r in c.results:
            if not r["ok"] and not r["error"].startswith("blocked by"):
                print(f"  {r['service']} {r['case']}: {r['error']}")
    print()
    print(table(clients))
    print()
    for c in unchecked:
        print(f"compat: {c.id} has no entry in {args.expected}: "
              "reported, not checked")
    for p in problems:
        print(f"MISMATCH {p}")
    total = sum(len(c.results) for c in clients)
    passes = sum(r["ok"] for c in clients for r in c.results)
    print(f"compat: {len(clients)} clients, {total} cases: {passes} pass, "
          f"{total - passes} fail; {len(problems)} differ from "
          f"expected.json; {elapsed:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
