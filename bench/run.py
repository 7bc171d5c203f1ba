"""Throughput, page weight and revalidation of the patient pages, under production settings.

gunicorn (gunicorn.conf.py, 2 sync workers, the access log to var/bench-access.log, DEBUG off)
on a fresh SQLite database seeded with the demo practice, its own file cache.

* Page weight: every key patient page (home, a treatment, a condition, team, a provider, hours,
  telehealth, and each booking step: visit, time, details), as a first visit transfers it with
  `Accept-Encoding: gzip, br` like a browser: headers + body of the HTML and of every stylesheet,
  script and font it makes the browser fetch. Goal: at most WEIGHT_BUDGET. Images (photos,
  logo, icons) are reported in their own column, outside the budget.
* Cached pages against a static file of the same size: each cached content page's own bytes
  (plain and gzipped, exactly as the app sends them) are written under staticfiles/bench-twins/
  before gunicorn starts, so whitenoise serves a twin of the same size on the same gunicorn.
  Page and twin are measured in one alternated run of 1-second runs (twin, page, page, twin,
  twin, page, ...: a machine that slows down or speeds up meanwhile weighs on both alike), all
  with `Accept-Encoding: gzip`. Goal: page/twin >= RATIO_GOAL in requests per second, with no
  socket errors and no non-2xx/3xx responses. The CPU time of the app's workers per request is
  printed beside it: on a machine shared with other work it is the steadier figure.
* Revalidation: each cached page asked again with the ETag it gave answers 304 (bytes shown).
* Booking (bench/booking.py) and the front desk at scale (bench/front_desk.py).

Why wrk: a C load generator uses a fraction of one of the 2 cores, so the server, not
the client, is measured; a Python client would saturate a core itself and cap the figures.

Other bench modules reuse `serve`, `static_twin`, `compare_alternated`, `fetch` and `run_wrk`.

`make bench`; BENCH_SECONDS (default 5: seconds of each page and of its twin) and
BENCH_CONNECTIONS (default 8) override the run. Exit code 1 if any goal is missed or any
request failed.
"""

import base64
import contextlib
import gzip
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DATABASE = ROOT / "var" / "bench.sqlite3"
CACHE_DIR = ROOT / "var" / "bench-cache"
ACCESS_LOG = ROOT / "var" / "bench-access.log"
TWINS = ROOT / "staticfiles" / "bench-twins"  # collected static, served by whitenoise; removed after the run
RATIO_GOAL = 0.95
WEIGHT_BUDGET = 25 * 1024  # bytes (25 KB) of HTML, CSS, scripts and fonts, compressed
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
STARTUP_TIMEOUT = 30  # seconds gunicorn may take to answer /healthz
BROWSER_HEADERS = {"Accept-Encoding": "gzip, br", "User-Agent": "clinic-bench"}
GZIP_ONLY = {"Accept-Encoding": "gzip", "User-Agent": "clinic-bench"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".avif", ".gif", ".svg", ".ico")


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


@contextlib.contextmanager
def serve(env):
    """gunicorn started (whitenoise reads staticfiles/, twins included, as it starts), healthy:
    its base URL and the master's process id."""
    server, base_url = start_server(env)
    try:
        wait_until_healthy(server, base_url)
        yield base_url, server.pid
    finally:
        stop_server(server)


def fetch(url, headers=None):
    """Status, bytes on the wire (headers + body, still compressed), body and headers of one GET."""
    request = urllib.request.Request(url, headers=headers or BROWSER_HEADERS)
    try:
        response = urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as answer:  # 304 (and errors) arrive as exceptions
        response = answer
    with response:
        if response.status == 200 and response.geturl() != url:
            raise RuntimeError(f"{url} redirected to {response.geturl()}")
        body = response.read()
        return response.status, len(response.headers.as_bytes()) + len(body), body, response.headers


def html_of(url):
    """The page's HTML, decompressed."""
    _, _, body, headers = fetch(url, GZIP_ONLY)
    return (gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body).decode("utf-8")


class AssetCollector(HTMLParser):
    """The stylesheets, icons, scripts and images an HTML page makes a browser fetch."""

    def __init__(self, html):
        super().__init__()
        self.assets = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and attrs.get("href") and rels & {"stylesheet", "icon", "preload", "modulepreload"}:
            self.assets.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.assets.append(attrs["src"])


class TimeForm(HTMLParser):
    """The time page's form: its hidden fields and the first time offered (the details page's address)."""

    def __init__(self, html):
        super().__init__()
        self.fields, self.first_start, self.inside = {}, None, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = "time-form" in (attrs.get("class") or "")
        elif self.inside and tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "button" and attrs.get("name") == "start" and self.first_start is None:
            self.first_start = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def first_link(base_url, list_path, pattern):
    match = re.search(rf'href="({pattern})"', html_of(base_url + list_path))
    if not match:
        raise RuntimeError(f"{list_path} links to no page like {pattern}")
    return match.group(1)


def key_pages(base_url):
    """(label, path, cached) of every key patient page, found on the demo practice as a patient would."""
    condition = first_link(base_url, "/conditions/", r"/conditions/[\w-]+/")
    provider = first_link(base_url, "/team/", r"/team/[\w-]+/")
    visit = re.search(r'name="visit" value="([\w-]+)"', html_of(base_url + "/book/")).group(1)
    time_page = "/book/time/?" + urlencode({"visit": visit, "mode": "in_office"})
    form = TimeForm(html_of(base_url + time_page))
    if form.first_start is None:
        raise RuntimeError(f"{time_page} offers no time")
    details_page = "/book/details/?" + urlencode({**form.fields, "start": form.first_start})
    return [
        ("home", "/", True), ("treatment", "/services/dry-needling/", True), ("condition", condition, True),
        ("team", "/team/", True), ("provider", provider, True), ("hours", "/hours/", True),
        ("telehealth", "/telehealth/", True), ("booking 1: visit", "/book/", True),
        ("booking 2: time", time_page, False), ("booking 3: details", details_page, False),
    ]


def measure_page_weight(page_url):
    """Bytes a first visit transfers: (HTML + CSS/JS/fonts, images, the HTML alone), url()s inside CSS followed."""
    _, text_bytes, body, headers = fetch(page_url)
    html_bytes = text_bytes
    if headers.get("Content-Encoding") not in ("gzip", "br"):
        raise RuntimeError(f"{page_url} came uncompressed")
    html = gzip.decompress(body).decode("utf-8") if headers.get("Content-Encoding") == "gzip" else html_of(page_url)
    image_bytes = 0
    seen, queue = set(), [urljoin(page_url, href) for href in AssetCollector(html).assets]
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        _, size, asset, asset_headers = fetch(url)
        if urlsplit(url).path.lower().endswith(IMAGE_SUFFIXES):
            image_bytes += size
            continue
        text_bytes += size
        if urlsplit(url).path.endswith(".css"):
            if asset_headers.get("Content-Encoding") == "gzip":
                asset = gzip.decompress(asset)
            for reference in re.findall(r"url\(\s*['\"]?([^'\")]+)", asset.decode("utf-8", "replace")):
                queue.append(urljoin(url, reference.strip()))
    return text_bytes, image_bytes, html_bytes


def static_twin(name, url):
    """Write `url`'s bytes, plain and gzipped exactly as sent, as staticfiles/bench-twins/<name>.html
    (+ .gz, which whitenoise sends to browsers that take gzip); returns its path on the site.
    Takes effect when gunicorn next starts."""
    plain = fetch(url, {"User-Agent": "clinic-bench"})[2]
    _, _, zipped, headers = fetch(url, GZIP_ONLY)
    if headers.get("Content-Encoding") != "gzip":
        zipped = gzip.compress(plain)
    TWINS.mkdir(parents=True, exist_ok=True)
    (TWINS / f"{name}.html").write_bytes(plain)
    (TWINS / f"{name}.html.gz").write_bytes(zipped)
    return f"/static/bench-twins/{name}.html"


def run_wrk(url, seconds, headers=None):
    """(requests, seconds measured, problems) of one wrk run."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    problems = [] if result.returncode == 0 and done else [f"wrk failed (exit {result.returncode}): {output.strip()}"]
    # wrk prints these two lines only when something went wrong.
    problems += [f"{n} non-2xx/3xx responses" for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output)]
    problems += [f"socket errors: {e}" for e in re.findall(r"Socket errors:\s+(.*)", output)]
    if not done:
        return 0, float(seconds), problems
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[done.group(3)]
    return int(done.group(1)), float(done.group(2)) * unit, problems


def worker_cpu_seconds(server_pid):
    """{worker pid: CPU seconds (user + system) used so far} of the gunicorn master's workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    except OSError:
        return used
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker replaced meanwhile (max_requests)
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def cpu_used_since(before, after):
    """CPU seconds between two readings; a worker started meanwhile counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def compare_alternated(base_url, page_path, twin_path, seconds=SECONDS, headers=GZIP_ONLY, server_pid=None):
    """Page and twin in one alternated run: a warm-up of each, then 1-second runs, twin, page,
    page, twin, twin, page, ..., `seconds` of each. Returns {path: (req/s, CPU ms per request or
    None)} and the problems: CPU per request (of the app's workers, given `server_pid`) hardly
    depends on what else the machine runs, where requests per second do."""
    for path in (twin_path, page_path):
        run_wrk(base_url + path, 1, headers)  # every worker loads templates and fills its memory
    totals = {twin_path: [0, 0.0, 0.0], page_path: [0, 0.0, 0.0]}
    problems = []
    order = [(twin_path, page_path) if turn % 2 == 0 else (page_path, twin_path) for turn in range(max(1, seconds))]
    for path in [path for pair in order for path in pair]:
        cpu_before = worker_cpu_seconds(server_pid) if server_pid else {}
        requests, measured, found = run_wrk(base_url + path, 1, headers)
        cpu = cpu_used_since(cpu_before, worker_cpu_seconds(server_pid)) if server_pid else 0.0
        totals[path][0] += requests
        totals[path][1] += measured
        totals[path][2] += cpu
        problems += [f"{path}: {problem}" for problem in found]

    def figures(path):
        requests, measured, cpu = totals[path]
        rate = requests / measured if measured else 0.0
        return rate, (cpu * 1000 / requests if server_pid and requests else None)

    return {path: figures(path) for path in (page_path, twin_path)}, problems


def check_revalidation(url):
    """(status, bytes on the wire) of a repeat request that sends the ETag the page gave."""
    _, _, _, headers = fetch(url)
    etag = headers.get("ETag")
    if not etag:
        return None, 0
    status, size, _, _ = fetch(url, {**BROWSER_HEADERS, "If-None-Match": etag})
    return status, size


def remove_twins():
    shutil.rmtree(TWINS, ignore_errors=True)


def print_weights(weights):
    print("\nPage weight, first visit: HTML + CSS/JS/fonts (compressed, headers included); images apart")
    print(f"{'page':<20} {'KB':>6} {'budget':>6}  {'result':<6} {'HTML KB':>7} {'images KB':>9}  path")
    passed = True
    for label, path, (text_bytes, image_bytes, html_bytes) in weights:
        ok = text_bytes <= WEIGHT_BUDGET
        passed &= ok
        print(f"{label:<20} {text_bytes / 1024:>6.1f} {WEIGHT_BUDGET / 1024:>6.0f}  {'PASS' if ok else 'FAIL':<6} "
              f"{html_bytes / 1024:>7.1f} {image_bytes / 1024:>9.1f}  {path[:60]}")
    return passed


def print_throughput(rows):
    print("\nCached pages against a static file of the same size (its twin, served by whitenoise), alternated"
          f"\n(1-second runs: twin, page, page, twin, ...), wrk -t1 -c{CONNECTIONS}, {SECONDS} s of each, Accept-Encoding: gzip,"
          "\ngunicorn 2 sync workers, DEBUG=0. bytes: on the wire, headers included. The goal is on req/s;"
          "\nCPU ms per request of the app's workers is shown too (twin/page: the same ratio, less disturbed by other load)")
    print(f"{'page':<20} {'bytes':>6} {'twin':>6} {'page/s':>8} {'twin/s':>8} {'ratio':>6}  {'goal':<6} {'result':<6} "
          f"{'cpu ms':>6} {'twin':>6} {'ratio':>6}")
    passed = True
    for label, page_bytes, twin_bytes, (page_rate, page_cpu), (twin_rate, twin_cpu), problems in rows:
        ratio = page_rate / twin_rate if twin_rate else 0.0
        ok = not problems and ratio >= RATIO_GOAL
        passed &= ok
        cpu = f"{page_cpu:>6.3f} {twin_cpu:>6.3f} {twin_cpu / page_cpu:>6.2f}" if page_cpu and twin_cpu else ""
        print(f"{label:<20} {page_bytes:>6} {twin_bytes:>6} {page_rate:>8.0f} {twin_rate:>8.0f} {ratio:>6.2f}  "
              f">={RATIO_GOAL:.2f} {'PASS' if ok else 'FAIL':<6} {cpu}")
        for problem in problems:
            print(f"    ! {problem}")
    return passed


def print_revalidation(checks):
    print("\nA repeat visit with the page's ETag (If-None-Match)")
    passed = True
    for label, (status, size) in checks:
        ok = status == 304
        passed &= ok
        print(f"{label:<20} {status!s:>4} {size:>5} bytes  {'PASS' if ok else 'FAIL'}")
    return passed


def main():
    ensure_wrk()
    env = build_production_environment()
    prepare_database(env)
    remove_twins()
    try:
        with serve(env) as (base_url, _):
            pages = key_pages(base_url)
            twins = {path: static_twin(f"page-{number}", base_url + path) for number, (_, path, cached) in enumerate(pages) if cached}
        with serve(env) as (base_url, server_pid):  # again, so that whitenoise serves the twins
            weights = [(label, path, measure_page_weight(base_url + path)) for label, path, _ in pages]
            checks = [(label, check_revalidation(base_url + path)) for label, path, cached in pages if cached]
            rows = []
            for label, path, cached in pages:
                if cached:
                    page_bytes = fetch(base_url + path, GZIP_ONLY)[1]
                    twin_bytes = fetch(base_url + twins[path], GZIP_ONLY)[1]
                    figures, problems = compare_alternated(base_url, path, twins[path], server_pid=server_pid)
                    rows.append((label, page_bytes, twin_bytes, figures[path], figures[twins[path]], problems))
    finally:
        remove_twins()
    all_passed = print_weights(weights)
    all_passed &= print_throughput(rows)
    all_passed &= print_revalidation(checks)
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
