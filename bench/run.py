"""Throughput and page-weight benchmark for the patient pages, under production settings.

* Requests/s of each page in PAGES under gunicorn (gunicorn.conf.py with 2 sync workers, the access log
  to var/bench-access.log, DEBUG off, a fresh
  SQLite database seeded with the demo practice), against a static file the pages use
  (the hashed site stylesheet, served by whitenoise): the ceiling of this stack on this
  machine, so page/static says what Django adds. Goal: ratio >= RATIO_GOAL, with no
  socket errors and no non-2xx/3xx responses.
* The front desk's pages at scale: bench/front_desk.py (its own database).
* Page weight: bytes (headers + body, as sent) of the HTML and every stylesheet, script
  and image it references, asked for with `Accept-Encoding: gzip, br` like a browser.

Why wrk: a C load generator uses a fraction of one of the 2 cores, so the server, not
the client, is measured; a Python client would saturate a core itself and cap the figures.

`make bench`; BENCH_SECONDS (default 5) and BENCH_CONNECTIONS (default 8) override the
run. Exit code 1 if any goal is missed or any request failed.
"""

import base64
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DATABASE = ROOT / "var" / "bench.sqlite3"
CACHE_DIR = ROOT / "var" / "bench-cache"
ACCESS_LOG = ROOT / "var" / "bench-access.log"
PAGES = ["/", "/hours/", "/services/dry-needling/"]
RATIO_GOAL = 0.50
WEIGHT_BUDGET = 60 * 1024  # bytes (60 KB)
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
STARTUP_TIMEOUT = 30  # seconds gunicorn may take to answer /healthz
BROWSER_HEADERS = {"Accept-Encoding": "gzip, br", "User-Agent": "clinic-bench"}


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk not found: installing Debian's wrk package (apt-get update, apt-get install wrk)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=apt_env)


def build_production_environment():
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # the bench uses its own file cache, below
    # A throwaway key for intake answers (clinic.encryption): the bench's database is thrown away too.
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), INTAKE_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), ALLOWED_HOSTS="127.0.0.1",
               SECURE_SSL_REDIRECT="0", SITE_URL="http://127.0.0.1", DATABASE_URL=f"sqlite:///{DATABASE}", CACHE_DIR=str(CACHE_DIR),
               # gunicorn.conf.py as in production, its access log written to a file as there.
               GUNICORN_ACCESS_LOG=str(ACCESS_LOG))
    return env


def prepare_database(env):
    """A fresh database and cache on every run, so results never depend on earlier runs."""
    for leftover in (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm"), ACCESS_LOG):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    DATABASE.parent.mkdir(exist_ok=True)
    print(f"Preparing {DATABASE.relative_to(ROOT)} (migrate, seed_demo)")
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run([BIN / "python", "manage.py", *command], cwd=ROOT, env=env, check=True)


def start_server(env):
    """gunicorn on a free local port; returns the process and its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [BIN / "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env), f"http://127.0.0.1:{port}"


def wait_until_healthy(server, base_url):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode} before answering /healthz")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet, or 503 while the database is unavailable
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer 200 on {base_url}/healthz within {STARTUP_TIMEOUT} s")


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(url):
    """Status, bytes on the wire (headers + body, still compressed) and body of one GET."""
    request = urllib.request.Request(url, headers=BROWSER_HEADERS)
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.geturl() != url:
            raise RuntimeError(f"{url} redirected to {response.geturl()}")
        body = response.read()
        return response.status, len(response.headers.as_bytes()) + len(body), body


class AssetCollector(HTMLParser):
    """The stylesheets, icons, scripts and images an HTML page makes a browser fetch."""

    def __init__(self, html):
        super().__init__()
        self.stylesheets, self.assets = [], []
        self.feed(html.decode("utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and attrs.get("href") and rels & {"stylesheet", "icon", "preload", "modulepreload"}:
            self.assets.append(attrs["href"])
            if "stylesheet" in rels:
                self.stylesheets.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.assets.append(attrs["src"])


def find_site_stylesheet(base_url):
    for href in AssetCollector(fetch(base_url + "/")[2]).stylesheets:
        if re.fullmatch(r"/static/(.*/)?site\.[0-9a-f]+\.css", href):
            return href
    raise RuntimeError("The home page links no hashed site stylesheet under /static/ (run `make static`?)")


def measure_page_weight(page_url):
    """Bytes a first visit transfers: the HTML, what it references, and url()s inside its CSS."""
    _, total, html = fetch(page_url)
    seen, queue = set(), [urljoin(page_url, href) for href in AssetCollector(html).assets]
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        _, size, body = fetch(url)
        total += size
        if url.split("?")[0].endswith(".css"):
            for reference in re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode("utf-8", "replace")):
                queue.append(urljoin(url, reference.strip()))
    return total


def run_wrk(url, seconds):
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", url]
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    problems = [] if result.returncode == 0 and rate else [f"wrk failed (exit {result.returncode}): {output.strip()}"]
    # wrk prints these two lines only when something went wrong.
    problems += [f"{n} non-2xx/3xx responses" for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output)]
    problems += [f"socket errors: {e}" for e in re.findall(r"Socket errors:\s+(.*)", output)]
    return (float(rate.group(1)) if rate else 0.0), problems


def benchmark(base_url, static_path):
    """(url, req/s, problems) per URL, the static file (the reference) first."""
    rows = []
    for path in [static_path, *PAGES]:
        status, _, _ = fetch(base_url + path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}, not 200")
        run_wrk(base_url + path, 1)  # warm-up: every worker loads templates and fills the cache
        rows.append((path, *run_wrk(base_url + path, SECONDS)))
    return rows


def print_report(rows, weights):
    """Print both tables; return True when every goal is met."""
    static_rate = rows[0][1] or float("nan")
    all_passed = True
    print(f"\nThroughput: wrk -t1 -c{CONNECTIONS} -d{SECONDS}s, gunicorn 2 sync workers, DEBUG=0")
    print(f"{'URL':<40} {'req/s':>9} {'ratio':>6}  {'goal':<7} result")
    for index, (path, rate, problems) in enumerate(rows):
        ratio = rate / static_rate
        passed = not problems and (index == 0 or ratio >= RATIO_GOAL)
        all_passed &= passed
        goal = "static" if index == 0 else f">={RATIO_GOAL:.2f}"
        print(f"{path:<40} {rate:>9.0f} {ratio:>6.2f}  {goal:<7} {'PASS' if passed else 'FAIL'}")
        for problem in problems:
            print(f"    ! {problem}")
    print("\nPage weight: HTML + referenced CSS/JS/images, Accept-Encoding: gzip, br")
    print(f"{'URL':<40} {'KB':>9} {'budget':>6}  result")
    for path, size in weights:
        all_passed &= size <= WEIGHT_BUDGET
        verdict = "PASS" if size <= WEIGHT_BUDGET else "FAIL"
        print(f"{path:<40} {size / 1024:>9.1f} {WEIGHT_BUDGET / 1024:>6.0f}  {verdict}")
    return all_passed


def main():
    ensure_wrk()
    env = build_production_environment()
    prepare_database(env)
    server, base_url = start_server(env)
    try:
        wait_until_healthy(server, base_url)
        static_path = find_site_stylesheet(base_url)
        rows = benchmark(base_url, static_path)
        weights = [(path, measure_page_weight(base_url + path)) for path in PAGES]
    finally:
        stop_server(server)
    all_passed = print_report(rows, weights)
    print("\nBooking (production settings, bench database):")
    all_passed &= subprocess.run([BIN / "python", "bench/booking.py"], cwd=ROOT, env=env).returncode == 0
    all_passed &= subprocess.run([BIN / "python", "bench/booking_pages.py"], cwd=ROOT, env=env).returncode == 0  # time and details pages
    print("\nThe front desk at scale (50,000 appointments, 20,000 patients; PostgreSQL when there is one):")
    front_desk_env = {**env, "DATABASE_URL": os.environ.get("DATABASE_URL", "")}  # its own database, not the bench's SQLite
    all_passed &= subprocess.run([BIN / "python", "bench/front_desk.py"], cwd=ROOT, env=front_desk_env).returncode == 0
    print("\nAll goals met." if all_passed else "\nSome goals missed (see FAIL above).")
    return 0 if all_passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"bench failed: {error}")
