#!/usr/bin/env python3
"""`fanlab run --html` checked in a real browser (Debian's headless Chromium).

Replays a passing scenario and a failing one into one report, then loads the
page in chromium-headless-shell: the script must have drawn every scenario
(its `data-rendered` mark and one SVG timeline each), the console must hold
no error, and the screenshot must be a non-empty PNG.

Usage: html_report_browser_test.py FANLAB SCENARIOS_DIR
Exit 77 (ctest's skip) when no headless Chromium is installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

FAILING = """name: failing
description: an expectation that cannot hold, for the report's failure box
resources:
  queues: [{name: q}]
timeline:
  - send: {queue: q, body: hello}
expect:
  - messages: {queue: q, count: 2}
"""


def browser():
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        path = shutil.which(name) or (
            f"/usr/lib/chromium/{name}" if os.path.exists(
                f"/usr/lib/chromium/{name}") else None)
        if path:
            return path
    return None


def main():
    fanlab, scenarios = sys.argv[1], sys.argv[2]
    chromium = browser()
    if chromium is None:
        print("html report: SKIPPED: no headless Chromium "
              "(scripts/setup.sh installs chromium-headless-shell)")
        return 77
    with tempfile.TemporaryDirectory(prefix="fanlab-html-") as work:
        failing = os.path.join(work, "failing.yaml")
        with open(failing, "w") as f:
            f.write(FAILING)
        page = os.path.join(work, "report.html")
        run = subprocess.run(
            [fanlab, "run", os.path.join(scenarios, "examples", "orders.yaml"),
             failing, "--html", page],
            capture_output=True, text=True, timeout=120)
        if run.returncode != 1 or not os.path.exists(page):
            print("fanlab run should fail one of two and write the page:",
                  run.returncode, run.stdout, run.stderr)
            return 1
        common = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                  "--allow-file-access-from-files", "--enable-logging=stderr",
                  "--v=0", "--window-size=1280,1600"]
        dom = subprocess.run(common + ["--dump-dom", "file://" + page],
                             capture_output=True, text=True, timeout=120)
        shot = os.path.join(work, "shot.png")
        screenshot = subprocess.run(
            common + [f"--screenshot={shot}", "file://" + page],
            capture_output=True, text=True, timeout=120)
        problems = []
        if 'data-rendered="2"' not in dom.stdout:
            problems.append("the script did not draw both scenarios "
                            "(no data-rendered=\"2\" in the DOM)")
        if dom.stdout.count("<svg") < 2:
            problems.append("fewer than two SVG timelines in the DOM")
        if "expected:" not in dom.stdout or "failing" not in dom.stdout:
            problems.append("the failing expectation is not shown")
        console = [line for line in (dom.stderr + screenshot.stderr).splitlines()
                   if "CONSOLE" in line or "Uncaught" in line]
        if console:
            problems.append("console messages: " + " | ".join(console))
        if not os.path.exists(shot):
            problems.append("no screenshot was written")
        else:
            with open(shot, "rb") as f:
                png = f.read()
            if not png.startswith(b"\x89PNG") or len(png) < 10000:
                problems.append(f"the screenshot is not a drawn page "
                                f"({len(png)} bytes)")
        if problems:
            print("html report:\n  " + "\n  ".join(problems))
            print(dom.stderr[-2000:])
            return 1
        print(f"html report: 2 scenarios drawn, no console messages, "
              f"screenshot {len(png)} bytes")
        return 0


if __name__ == "__main__":
    sys.exit(main())
