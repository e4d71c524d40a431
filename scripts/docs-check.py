#!/usr/bin/env python3
"""Runs the shell examples of README.md and docs/*.md and checks their output.

    scripts/docs-check.py BUILD_DIR [FILE.md ...]

A fenced block is checked when its info string carries the word
`docs-check` after the language (GitHub shows only the language):

  ```sh docs-check        a script, run with `bash -e`; when the next block
                          is ```text docs-check-output, the script's output
                          (stdout and stderr) must match it
  ```console docs-check   `$ command` lines (a line ending in `\\` goes on),
                          each followed by the output it must print
  ```yaml docs-check-file=NAME
                          (any language) the block is written to NAME in
                          the working directory, for the blocks after it

More words after `docs-check` set options: `needs=aws,zip` skips the block
(and says so) when one of those programs is not on PATH.

Each file gets a fresh `fanlab serve` (ZeroMQ and HTTP on ports the OS
picks, data in a scratch folder), and so does each later block that starts
its own (`fanlab serve ... &`), and a scratch working directory holding
links to the source tree's top-level entries and build/<preset> -> BUILD_DIR,
with BUILD_DIR first on PATH; the file's blocks run there in order. In a
block, `fanlab serve ... &` (the reader's own server) is skipped, and the
default addresses 127.0.0.1:4566 / localhost:4566 (HTTP) and
tcp://127.0.0.1:9400 (ZeroMQ) are rewritten to the checker's server; in
outputs its addresses are written back to the defaults. FANLAB_ENDPOINT
points at the server's ZeroMQ endpoint.

Expected output is compared line by line (indentation exact; trailing blank
lines, trailing spaces and runs of spaces inside a line ignored), with
these placeholders:
  ...            (or …) inside a line: any text
  a line of ...  any number of lines, none included
  a UUID         any UUID
  1.234          a number with a fraction (wall times): any such number
Exit 0 when every block ran and matched, 1 otherwise (each mismatch shown
as a diff), 2 on bad usage.
"""

import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FILES = ["README.md"] + sorted(
    os.path.join("docs", f) for f in os.listdir(os.path.join(SOURCE_DIR, "docs"))
    if f.endswith(".md"))
BLOCK_TIMEOUT_S = 180
DEFAULT_HTTP = "127.0.0.1:4566"
DEFAULT_ZMQ = "tcp://127.0.0.1:9400"
SERVE_LINE = re.compile(r"^\s*(\S*/)?fanlab serve\b[^#]*&\s*(#.*)?$")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Block:
    def __init__(self, path, line, kind, options, body):
        self.path = path
        self.line = line  # of the opening fence, 1-based
        self.kind = kind  # "sh", "console" or "file"
        self.file = None  # "file": the name to write the body to
        self.options = options
        self.body = body  # list of lines
        self.expected = None  # list of lines, or None: not compared


def parse_blocks(path):
    """The checked blocks of one Markdown file, in order."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).split()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        body = [l[len(indent):] if l.startswith(indent) else l.lstrip()
                for l in lines[i + 1:j]]
        if len(info) >= 2 and info[1].startswith("docs-check-file="):
            block = Block(path, i + 1, "file", {}, body)
            block.file = info[1].split("=", 1)[1]
            blocks.append(block)
        elif len(info) >= 2 and info[1] == "docs-check":
            options = dict(o.split("=", 1) for o in info[2:] if "=" in o)
            if info[0] not in ("sh", "console"):
                raise SystemExit(f"{path}:{i + 1}: docs-check needs ```sh or "
                                 f"```console, not ```{info[0]}")
            blocks.append(Block(path, i + 1, info[0], options, body))
        elif len(info) >= 2 and info[1] == "docs-check-output":
            if not blocks or blocks[-1].kind != "sh" or \
                    blocks[-1].expected is not None:
                raise SystemExit(f"{path}:{i + 1}: docs-check-output follows "
                                 "no ```sh docs-check block")
            blocks[-1].expected = body
        i = j + 1
    return blocks


def line_pattern(expected):
    """A regex for one expected line, placeholders included."""
    out = ""
    for part in re.split(r"(\.\.\.|…|" + UUID + r"|\d+\.\d+)", expected):
        if part in ("...", "…"):
            out += ".*"
        elif re.fullmatch(UUID, part or "x"):
            out += UUID
        elif re.fullmatch(r"\d+\.\d+", part or "x"):
            out += r"\d+\.\d+"
        else:
            out += re.escape(part)
    return re.compile(out + r"\Z")


def normalize(lines):
    # A carriage return starts the line over, as on a terminal (progress
    # lines that a program redraws).
    # Indentation counts; runs of spaces inside a line (table columns that
    # widen with a number) do not.
    lines = [l.rstrip("\r").split("\r")[-1].rstrip() for l in lines]
    lines = [l[:len(l) - len(l.lstrip())] + re.sub(r"\s+", " ", l.lstrip())
             for l in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(expected, found):
    """True when the found lines fit the expected ones (placeholders)."""
    expected, found = normalize(expected), normalize(found)

    def at(e, f):
        if e == len(expected):
            return f == len(found)
        if expected[e] in ("...", "…"):
            return any(at(e + 1, k) for k in range(f, len(found) + 1))
        return (f < len(found) and line_pattern(expected[e]).match(found[f])
                is not None and at(e + 1, f + 1))

    return at(0, 0)


class Server:
    """A fresh `fanlab serve` on ports the OS picks."""

    def __init__(self, build_dir, scratch):
        self.log = tempfile.TemporaryFile("w+", dir=scratch)
        self.process = subprocess.Popen(
            [os.path.join(build_dir, "fanlab"), "serve", "--bind",
             "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir",
             tempfile.mkdtemp(prefix="serve-data-", dir=scratch)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.zmq = self.http = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (self.zmq is None or
                                               self.http is None):
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
            self.log.seek(0)
            text = self.log.read()
            m = re.search(r"listening on (tcp://\S+)", text)
            self.zmq = m.group(1) if m else None
            m = re.search(r"HTTP on http://(\S+)", text)
            self.http = m.group(1).rstrip("/") if m else None
        if self.zmq is None or self.http is None:
            self.log.seek(0)
            self.stop()
            raise SystemExit("docs-check: fanlab serve did not start:\n" +
                             self.log.read())

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def to_server(text, server):
    text = text.replace(DEFAULT_ZMQ, server.zmq)
    for host in ("127.0.0.1:4566", "localhost:4566"):
        text = text.replace(host, server.http)
    return text


def from_server(text, server):
    return text.replace(server.zmq, DEFAULT_ZMQ).replace(server.http,
                                                          DEFAULT_HTTP)


def console_commands(body):
    """[(command, expected lines)] of a console block."""
    commands = []
    i = 0
    while i < len(body):
        if not body[i].startswith("$ "):
            raise SystemExit(f"console block line {body[i]!r}: output "
                             "before any `$ ` command")
        command = [body[i][2:]]
        while command[-1].endswith("\\") and i + 1 < len(body):
            i += 1
            command.append(body[i])
        i += 1
        output = []
        while i < len(body) and not body[i].startswith("$ "):
            output.append(body[i])
            i += 1
        commands.append(("\n".join(command), output))
    return commands


def run_script(script, cwd, env):
    try:
        p = subprocess.run(["bash", "-c", script], cwd=cwd, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=BLOCK_TIMEOUT_S,
                           start_new_session=True)
    except subprocess.TimeoutExpired as e:
        return 124, (e.stdout or b"").decode(errors="replace") + \
            f"\n(timed out after {BLOCK_TIMEOUT_S} s)\n"
    return p.returncode, p.stdout.decode(errors="replace")


def check_block(block, server, cwd, env):
    """None when the block ran as shown, else what went wrong."""
    if block.kind == "file":
        with open(os.path.join(cwd, block.file), "w", encoding="utf-8") as f:
            f.write("\n".join(block.body) + "\n")
        return None
    lines = [":  # fanlab serve: the checker's server" if SERVE_LINE.match(l)
             else l for l in block.body]
    if block.kind == "sh":
        code, output = run_script(
            "set -e\n" + to_server("\n".join(lines), server), cwd, env)
        output = from_server(output, server)
        if code != 0:
            return f"exit {code}:\n{output}"
        if block.expected is not None and not matches(block.expected,
                                                      output.split("\n")):
            return diff(block.expected, output)
        return None
    # A console block: one shell, each command's output cut at a marker.
    marker = "@@docs-check-next@@"
    commands = console_commands(lines)
    script = ""
    for command, _ in commands:
        script += (to_server(command, server) + "\n__rc=$?\n" +
                   f"printf '\\n{marker}\\n'\n(exit $__rc)\n")
    code, output = run_script(script, cwd, env)
    output = from_server(output, server)
    parts = output.split("\n" + marker + "\n")
    for n, (command, expected) in enumerate(commands):
        found = parts[n] if n < len(parts) else "(no output: the block "\
            f"stopped, exit {code})"
        if not matches(expected, found.split("\n")):
            return f"$ {command}\n" + diff(expected, found)
    return None


def diff(expected, found):
    return "".join(difflib.unified_diff(
        [l + "\n" for l in normalize(expected)],
        [l + "\n" for l in normalize(found.split("\n"))], "shown in the doc",
        "printed"))


def scratch_dir(build_dir, source_dir):
    """A working directory that looks like the source tree's root."""
    scratch = tempfile.mkdtemp(prefix="fanlab-docs-")
    for entry in os.listdir(source_dir):
        if entry in ("build", ".git"):
            continue
        os.symlink(os.path.join(source_dir, entry), os.path.join(scratch, entry))
    os.makedirs(os.path.join(scratch, "build"))
    for preset in ("release", os.path.basename(build_dir)):
        link = os.path.join(scratch, "build", preset)
        if not os.path.lexists(link):
            os.symlink(build_dir, link)
    return scratch


def check_file(path, build_dir):
    blocks = parse_blocks(os.path.join(SOURCE_DIR, path))
    if not blocks:
        return 0, 0
    scratch = scratch_dir(build_dir, SOURCE_DIR)
    server = Server(build_dir, scratch)
    env = dict(os.environ)
    env["PATH"] = build_dir + os.pathsep + env.get("PATH", "")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.setdefault(key, "x")
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["AWS_PAGER"] = ""
    env["TERM"] = "dumb"
    failed = 0
    try:
        for block in blocks:
            where = f"{path}:{block.line}"
            missing = [p for p in block.options.get("needs", "").split(",")
                       if p and shutil.which(p, path=env["PATH"]) is None]
            if missing:
                print(f"{where}: skipped: needs {', '.join(missing)}")
                continue
            # A block that starts its own server (after the first) gets a
            # fresh one, as its reader would.
            if block is not blocks[0] and any(SERVE_LINE.match(l)
                                              for l in block.body):
                server.stop()
                server = Server(build_dir, scratch)
            env["FANLAB_ENDPOINT"] = server.zmq
            env["AWS_ENDPOINT_URL"] = "http://" + server.http
            started = time.monotonic()
            problem = check_block(block, server, scratch, env)
            took = time.monotonic() - started
            if problem is None:
                print(f"{where}: ok ({took:.1f} s)")
            else:
                failed += 1
                print(f"{where}: FAILED ({took:.1f} s)\n" +
                      "\n".join("  " + l for l in problem.rstrip().split("\n")))
    finally:
        server.stop()
        if failed == 0:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"{path}: scratch folder kept: {scratch}")
    return len(blocks), failed


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2 if len(argv) < 2 else 0
    build_dir = os.path.abspath(argv[1])
    if not os.access(os.path.join(build_dir, "fanlab"), os.X_OK):
        print(f"docs-check: no fanlab in {build_dir}", file=sys.stderr)
        return 2
    total = failed = 0
    for path in argv[2:] or DEFAULT_FILES:
        n, f = check_file(os.path.relpath(os.path.abspath(path), SOURCE_DIR)
                          if os.path.isabs(path) else path, build_dir)
        total += n
        failed += f
    print(f"docs-check: {total} blocks, {total - failed} ok, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
