"""Lighthouse (mobile) on the key patient pages, served as `make serve` serves them.

`make lighthouse` runs this with the production settings of `make serve` in the environment:
the database is migrated (and seeded with the demo practice if it has none), gunicorn starts
on --port, and each page is audited RUNS times by npm's Lighthouse (frontend/, pinned) driving
Debian's Chromium (CHROME_PATH, default /usr/bin/chromium). For each page it prints the median
of each category's score and every audit the median run failed, as Lighthouse's report counts
them (a score under 1, except metrics at 0.9 or more; "informative", "manual" and "not
applicable" audits never fail); the reports are kept in var/lighthouse/. Exit code 1 if any median is under 100 or any audit failed.

CPU slowdown, calibrated as Lighthouse's docs/throttling.md asks: Lighthouse's 4x is meant for a
high-end desktop (BenchmarkIndex 1500 and more) to land in the mid-tier mobile bracket. A first run
measures this host's BenchmarkIndex; the multiplier is the one that docs/throttling.md's table gives
for reaching mid-tier mobile from the host's bracket (4x from 1500, 2x from 800, else 1x), printed
with the index. LIGHTHOUSE_CPU_MULTIPLIER sets it instead (4: Lighthouse's default as it is).

A control page tells the page from the host. Lighthouse asks for 2 dedicated cores (docs/variability.md);
on a shared 2-core machine the CPU time the hypervisor takes ("steal", printed) and Chromium's own tasks
(committing a navigation, DevTools' instrumentation) stretch the tasks that *max potential first input
delay* multiplies by the slowdown. So before the pages, a bare page (a heading and a paragraph, no
stylesheet) is audited the same way, served on --port + 1 with the security headers the site sends
(CSP, COOP and the rest, copied from its home page). An audit the control fails too is reported as the
host's; exit code 2 when only such audits failed, 1 when a page failed one the control passed or scored
under 100 in its median, 0 when nothing failed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LIGHTHOUSE = ROOT / "frontend" / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "var" / "lighthouse"  # every run's JSON report, to read the details of a failed audit
PAGES = ["/", "/services/dry-needling/", "/hours/", "/book/", "/telehealth/"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
RUNS = 3
STARTUP_TIMEOUT = 30
NEVER_FAIL = {"informative", "manual", "notApplicable"}
# The headers of the site's pages that change how Chromium commits and runs a page; the control page
# is sent with the same values so that it differs from the pages only in what the page holds.
COPIED_HEADERS = ["Content-Security-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
                  "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options", "X-Frame-Options"]
CONTROL_PAGE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8">'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">'
    b'<meta name="description" content="A bare page that tells the page from the host.">'
    b'<link rel="icon" href="data:,"><title>Control page</title></head>'
    b"<body><h1>Control page</h1><p>One heading and one paragraph: no stylesheet, no script.</p></body></html>"
)


def site_headers(url) -> list[tuple[str, str]]:
    """The headers of COPIED_HEADERS that the site sends with the page at url."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  our own local server
        return [(name, response.headers[name]) for name in COPIED_HEADERS if response.headers[name]]


def start_control_server(port, headers) -> ThreadingHTTPServer:
    """Serves CONTROL_PAGE at every address but /robots.txt (404) with headers, from a thread."""

    class ControlPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  the name http.server calls
            found = self.path.split("?")[0] != "/robots.txt"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(CONTROL_PAGE) if found else 0))
            self.send_header("Cache-Control", "no-cache")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if found:
                self.wfile.write(CONTROL_PAGE)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), ControlPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def cpu_ticks() -> tuple[int, int]:
    """(all CPU time, time stolen by the hypervisor) since boot, in ticks, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return sum(fields[:8]), fields[7]


def steal_percent(before, after) -> float:
    total, stolen = after[0] - before[0], after[1] - before[1]
    return 100 * stolen / total if total else 0.0


def audit_ids(failed_lines) -> set[str]:
    """The audit ids of failed_audits()'s lines ("category: id (score) value")."""
    return {line.split(": ", 1)[1].split(" ", 1)[0] for line in failed_lines}


def verdict(pages_failed: dict[str, list[str]], control_failed: list[str], all_scores_100: bool) -> int:
    """0: nothing failed; 2: the only failed audits are ones the control page fails too; 1: otherwise."""
    host = audit_ids(control_failed)
    own = [line for lines in pages_failed.values() for line in lines if audit_ids([line]) - host]
    if not all_scores_100 or own:
        return 1
    return 2 if any(pages_failed.values()) else 0


def manage(*args, check=True):
    return subprocess.run([BIN / "python", "manage.py", *args], cwd=ROOT, check=check)  # noqa: S603  our own manage.py


def prepare_database():
    manage("migrate", "--noinput", "--verbosity", "0")
    has_practice = "from clinic.models import Practice; raise SystemExit(0 if Practice.objects.exists() else 1)"
    if manage("shell", "-c", has_practice, check=False).returncode != 0:
        manage("seed_demo", "--verbosity", "0")


def start_server(port):
    command = [BIN / "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    access_log = {"GUNICORN_ACCESS_LOG": str(ROOT / "var" / "lighthouse-access.log")}
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **access_log})  # noqa: S603  the venv's gunicorn, fixed arguments
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer on port {port} within {STARTUP_TIMEOUT} s")


# Chromium 156 builds its omnibox popup as a web page (chrome://omnibox-popup.top-chrome) even when
# headless, in a renderer of its own whose scripts run while the audited page loads. Lighthouse's
# trace engine keeps one stack of script calls across every process of the trace, so the page's
# first layout, overlapping that popup's scripts, was reported as a *forced reflow* of the page
# ("unattributed": our pages run no script). No window, no popup: these features are off.
NO_BROWSER_UI = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup", "PreloadTopChromeWebUI"]

# BenchmarkIndex brackets of docs/throttling.md, with the slowdown that takes each to mid-tier mobile.
MULTIPLIERS = [(1500, 4), (800, 2), (0, 1)]


def cpu_multiplier(benchmark_index: float) -> int:
    return next(multiplier for floor, multiplier in MULTIPLIERS if benchmark_index >= floor)


def calibrated_multiplier(url) -> tuple[float, str]:
    """The CPU slowdown for this host, and how it was chosen."""
    forced = os.environ.get("LIGHTHOUSE_CPU_MULTIPLIER")
    if forced:
        return float(forced), "LIGHTHOUSE_CPU_MULTIPLIER"
    index = audit(url)["environment"]["benchmarkIndex"]
    return cpu_multiplier(index), f"this host's BenchmarkIndex {index:.0f}"


def audit(url, attempts=3, cpu_slowdown=None):
    """One Lighthouse run (mobile, its default), as its JSON report. Chromium now and then fails to
    record a trace (NO_NAVSTART): such a run is repeated, never counted."""
    for attempt in range(1, attempts + 1):
        try:
            return run_lighthouse(url, cpu_slowdown)
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
            print(f"    (Lighthouse failed on {url}; again)")
    return None


def run_lighthouse(url, cpu_slowdown=None):
    throttling = [] if cpu_slowdown is None else [f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:g}"]
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(  # noqa: S603  the pinned Lighthouse of frontend/ on our own local page
            [LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={report.name}",
             f"--only-categories={','.join(CATEGORIES)}", *throttling,
             f"--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage --disable-features={','.join(NO_BROWSER_UI)}"],
            cwd=ROOT, check=True, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        )
        return json.loads(Path(report.name).read_text())


def scores(report) -> dict[str, int]:
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def failed_audits(report) -> list[str]:
    """The audits of the four categories that Lighthouse's report would show as not passed."""
    failed = []
    for category in CATEGORIES:
        for reference in report["categories"][category]["auditRefs"]:
            result = report["audits"][reference["id"]]
            mode, score = result["scoreDisplayMode"], result["score"]
            if mode in NEVER_FAIL:
                continue
            passed = mode != "error" and score is not None and (score == 1 or (mode == "numeric" and score >= 0.9))
            if not passed:
                shown = "error" if mode == "error" else f"{score:.2f}"
                failed.append(f"{category}: {reference['id']} ({shown}) {result.get('displayValue', '')}".rstrip())
    return sorted(set(failed))


def median_run(reports):
    """The run whose performance score is the median (Lighthouse's own advice for several runs)."""
    return sorted(reports, key=lambda report: report["categories"]["performance"]["score"])[len(reports) // 2]


def audit_page(url, runs, cpu_slowdown, name, indices):
    """RUNS audits of url: the medians of each category, the median run's failed audits, every run's scores."""
    reports = [audit(url, cpu_slowdown=cpu_slowdown) for _ in range(runs)]
    REPORTS.mkdir(parents=True, exist_ok=True)
    for number, report in enumerate(reports, 1):
        (REPORTS / f"{name}-{number}.json").write_text(json.dumps(report))
        indices.append(report["environment"]["benchmarkIndex"])
    medians = {category: statistics.median(scores(report)[category] for report in reports) for category in CATEGORIES}
    every_run = " | ".join(" ".join(str(value) for value in scores(report).values()) for report in reports)
    return medians, failed_audits(median_run(reports)), every_run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("pages", nargs="*", default=PAGES)
    arguments = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: `make lighthouse` installs it (npm ci in frontend/).")
    prepare_database()
    server = start_server(arguments.port)
    control = None
    try:
        site = f"http://127.0.0.1:{arguments.port}"
        control = start_control_server(arguments.port + 1, site_headers(site + "/"))
        control_url = f"http://127.0.0.1:{arguments.port + 1}/"
        before, indices = cpu_ticks(), []
        cpu_slowdown, chosen_by = calibrated_multiplier(control_url)
        print(f"CPU slowdown {cpu_slowdown:g}x ({chosen_by}; Lighthouse's docs/throttling.md)", flush=True)
        medians, control_failed, every_run = audit_page(control_url, arguments.runs, cpu_slowdown, "control", indices)
        print(f"control page (bare, the site's headers): performance {medians['performance']:g}   (runs: {every_run})", flush=True)
        for line in control_failed:
            print(f"    failed  {line}", flush=True)
        host_audits = audit_ids(control_failed)
        pages_failed, all_100 = {}, True
        for page in arguments.pages:
            name = page.strip("/").replace("/", "-") or "home"
            medians, failed, every_run = audit_page(site + page, arguments.runs, cpu_slowdown, name, indices)
            pages_failed[page] = failed
            all_100 = all_100 and all(value == 100 for value in medians.values())
            print(f"{page}: " + "  ".join(f"{category} {medians[category]:g}" for category in CATEGORIES) + f"   (runs: {every_run})", flush=True)
            for line in failed:
                whose = "   (the control page fails it too)" if audit_ids([line]) <= host_audits else ""
                print(f"    failed  {line}{whose}", flush=True)
        print(f"BenchmarkIndex {min(indices):.0f} to {max(indices):.0f} over {len(indices)} runs; "
              f"CPU time taken by the hypervisor (steal) {steal_percent(before, cpu_ticks()):.1f} %", flush=True)
    finally:
        if control is not None:
            control.shutdown()
        server.terminate()
        server.wait(timeout=10)
    outcome = verdict(pages_failed, control_failed, all_100)
    print({
        0: "Every page 100 in all four categories, no audit failed.",
        1: "Short of the goal: see above.",
        2: "Every page 100 in all four categories; the only audits failed are ones a bare page with the same "
           "headers fails on this host too: the host, not the pages (Lighthouse asks for 2 dedicated cores).",
    }[outcome])
    return outcome


if __name__ == "__main__":
    sys.exit(main())
