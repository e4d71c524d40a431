"""Measures fanlab's runtime clients (functions/runtimes/) against a bare
Runtime API loop in the same language, through the fake Runtime API of
tests/runtimes/.

  python3 bench/runtimes/runtime_loop_bench.py [--invocations N] [--runs R]
          [--languages python,node] [--runtimes-dir DIR]

For each language it reports:
  - warm round trip: microseconds per invocation over N queued invocations of
    an echo handler on one warm process (the first 10% are warm-up), for the
    bare loop (GET next, POST the event back: the least any client can do)
    and for fanlab's runtime client, and their ratio; the client's peak
    resident memory (VmHWM). Wall time includes
    the fake server's own cost (the same for both); CPU time is the client
    process's own (user + system), which a loaded machine disturbs less.
  - start-up: wall and CPU milliseconds from spawning the process to its
    first GET next, for both, and for the interpreter alone
    (`python3 -c pass`, `node -e 0`, to exit).
The median of R runs is shown (bare and fanlab runs alternate). Standard library only.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "runtimes"))
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

BARE_PYTHON = r"""
import http.client, os
host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    body = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                 body, {"Content-Type": "application/json"})
    conn.getresponse().read()
"""

BARE_NODE = r"""
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function call(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  for (;;) {
    const next = await call('GET', '/2018-06-01/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, next.body,
               { 'Content-Type': 'application/json', 'Content-Length': next.body.length });
  }
})();
"""

HANDLERS = {
    "python": ("app.py", "def handler(event, context):\n    return event\n"),
    "node": ("app.js", "exports.handler = async (event) => event;\n"),
}
EVENT = {"orderId": "o-1", "items": [{"sku": "a", "qty": 2}], "total": 12.5}


def environment(api, code_dir):
    return {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": code_dir,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
    }


def argv_for(language, mode, runtimes_dir, code_dir):
    interpreter = shutil.which("python3" if language == "python" else "node")
    if mode == "fanlab":
        script = os.path.join(runtimes_dir, language,
                              "bootstrap.py" if language == "python"
                              else "bootstrap.mjs")
        return [interpreter, script]
    path = os.path.join(code_dir, "bare.py" if language == "python"
                        else "bare.cjs")
    with open(path, "w") as f:
        f.write(BARE_PYTHON if language == "python" else BARE_NODE)
    return [interpreter, path]


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def startup_run(language, mode, runtimes_dir):
    """(wall ms, CPU ms) from spawning the client to its first GET next: the
    process is killed when the GET arrives and its resource usage read."""
    code_dir = tempfile.mkdtemp(prefix="fanlab-bench-")
    name, text = HANDLERS[language]
    with open(os.path.join(code_dir, name), "w") as f:
        f.write(text)
    api = FakeRuntimeApi()
    argv = argv_for(language, mode, runtimes_dir, code_dir)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=code_dir,
                            env=environment(api, code_dir),
                            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        api.wait_nexts(1, timeout=60)
        wall = time.perf_counter() - started
        proc.kill()
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = -9
    finally:
        api.close()
        shutil.rmtree(code_dir, ignore_errors=True)
    return wall * 1e3, (usage.ru_utime + usage.ru_stime) * 1e3


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_run(language, mode, runtimes_dir, invocations):
    """(wall us per warm invocation, the client's CPU us per warm
    invocation, the client's peak resident memory in MiB)."""
    code_dir = tempfile.mkdtemp(prefix="fanlab-bench-")
    name, text = HANDLERS[language]
    with open(os.path.join(code_dir, name), "w") as f:
        f.write(text)
    api = FakeRuntimeApi()
    for i in range(invocations):
        api.invoke(EVENT, "req-%d" % i)
    argv = argv_for(language, mode, runtimes_dir, code_dir)
    proc = subprocess.Popen(argv, cwd=code_dir,
                            env=environment(api, code_dir),
                            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        warmup = max(invocations // 10, 1)
        api.wait_posts(warmup, timeout=120)
        t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
        posts = api.wait_posts(invocations, timeout=600)
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        rss = peak_rss_mb(proc.pid)
        bad = [p for p in posts if p.kind != "response"]
        if bad:
            raise SystemExit("%s %s: %r" % (language, mode, bad[0]))
    finally:
        proc.kill()
        proc.wait()
        api.close()
        shutil.rmtree(code_dir, ignore_errors=True)
    measured = invocations - warmup
    return elapsed * 1e6 / measured, cpu * 1e6 / measured, rss


def interpreter_start(language):
    """(wall ms, CPU ms) of the bare interpreter from spawn to exit."""
    argv = (["python3", "-c", "pass"] if language == "python"
            else ["node", "-e", "0"])
    started = time.perf_counter()
    proc = subprocess.Popen(argv)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return ((time.perf_counter() - started) * 1e3,
            (usage.ru_utime + usage.ru_stime) * 1e3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invocations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--languages", default="python,node")
    parser.add_argument("--runtimes-dir",
                        default=os.environ.get("FANLAB_RUNTIMES_DIR") or
                        os.path.join(ROOT, "functions", "runtimes"))
    args = parser.parse_args()
    # The clients start in their code folder: a relative path would miss.
    args.runtimes_dir = os.path.abspath(args.runtimes_dir)
    print("%-7s %-7s %10s %10s %8s %12s %12s" %
          ("lang", "client", "wall us", "cpu us", "peak", "wall ms",
           "cpu ms"))
    print("%-7s %-7s %10s %10s %8s %12s %12s" %
          ("", "", "/invoke", "/invoke", "RSS MiB", "to 1st GET",
           "to 1st GET"), flush=True)
    for language in args.languages.split(","):
        if shutil.which("python3" if language == "python" else "node") is None:
            print("%-7s skipped: interpreter not found" % language)
            continue
        # Bare and fanlab runs alternate, so that a change in the machine's
        # load weighs on both; the ratios are the medians of each pair's.
        runs = {"bare": [], "fanlab": []}
        for _ in range(args.runs):
            for mode in ("bare", "fanlab"):
                runs[mode].append(
                    one_run(language, mode, args.runtimes_dir,
                            args.invocations) +
                    startup_run(language, mode, args.runtimes_dir))
        results = {}
        for mode in ("bare", "fanlab"):
            results[mode] = [statistics.median(r[i] for r in runs[mode])
                             for i in range(5)]
            print("%-7s %-7s %10.1f %10.1f %8.1f %12.1f %12.1f" %
                  (language, mode, *results[mode]), flush=True)
        ratios = [statistics.median(f[i] / b[i] for b, f in
                                    zip(runs["bare"], runs["fanlab"]))
                  for i in (0, 1)]
        starts = [interpreter_start(language) for _ in range(args.runs)]
        start = [statistics.median(s[i] for s in starts) for i in range(2)]
        print("%-7s %-7s %10s %10s %8s %12.1f %12.1f" %
              (language, "interp", "-", "-", "-", *start))
        bare, fanlab = results["bare"], results["fanlab"]
        print("%-7s fanlab/bare warm round trip: %.2fx wall, %.2fx client "
              "CPU; start-up CPU: +%.1f ms over the bare loop, +%.1f ms over "
              "the bare interpreter" %
              (language, ratios[0], ratios[1], fanlab[4] - bare[4],
               fanlab[4] - start[1]), flush=True)


if __name__ == "__main__":
    main()
