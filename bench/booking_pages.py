"""Throughput of the booking time page and details page, for `make bench` (bench/run.py's main
calls `main(env)` with its production environment; also runs on its own: `python bench/booking_pages.py`).

Each page against a static file of the same size (the page's own bytes written under
staticfiles/ and served by whitenoise, as /static/bench/...), on the same gunicorn (2 sync
workers, DEBUG off), with wrk, alternated: static, time page, static, details page, repeated
ROUNDS times, so a neighbour's load on the machine weighs on both sides alike. The ratio is the
page's mean rate over its static file's. Goal: >= RATIO_GOAL on both pages, no failed request.

Two databases, each made afresh: the demo practice, and the demo practice with 50,000
appointments (`manage.py bench_front_desk_data --add`: 5 years, 10 providers, 20,000 patients).
On PostgreSQL when there is one (DATABASE_URL if it names PostgreSQL, else the local server at
127.0.0.1:5432; the database `clinic_bench_booking` is dropped and created), otherwise SQLite
(var/bench-booking.sqlite3). The cache is run.py's (a file cache in var/), or Redis when
BENCH_REDIS_URL names one (the production setup).

The same patient asks for the same page again and again, so wrk measures the cached page (the
point of appointments.booking_pages); `cold` measures one render with nothing cached (the time
page after every booking), in this process, the median of 7, in milliseconds.

BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 8), BENCH_ROUNDS (default 2),
BOOKING_BENCH_PORT (default 8150) and BOOKING_BENCH_DATABASE (default clinic_bench_booking) override the run. Exit code 1 on a miss.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from front_desk import fresh_database as fresh_bench_database  # noqa: E402  bench/ is not a package
from run import (  # noqa: E402
    BIN,
    ROOT,
    SECONDS,
    build_production_environment,
    ensure_wrk,
    compare_alternated,
    fetch,
    remove_twins,
    static_twin,
    stop_server,
    wait_until_healthy,
)

RATIO_GOAL = 0.30
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
PORT = int(os.environ.get("BOOKING_BENCH_PORT", "8150"))
BENCH_DATABASE = os.environ.get("BOOKING_BENCH_DATABASE", "clinic_bench_booking")
SQLITE_FILE = ROOT / "var" / "bench-booking.sqlite3"
CACHE_DIR = ROOT / "var" / "bench-booking-cache"
SIZES: dict[str, int] = {}  # bytes of each page's body, as measured
TIME_PAGE = "/book/time/?visit=follow-up-visit&mode=in_office&provider=any"


def prepare(env, appointments: bool) -> float:
    started = time.perf_counter()
    commands = [["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]]
    if appointments:
        commands.append(["bench_front_desk_data", "--add"])
    for command in commands:
        subprocess.run([BIN / "python", "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return time.perf_counter() - started


def count_appointments(env) -> int:
    script = "from appointments.models import Appointment; print(Appointment.objects.count())"
    result = subprocess.run([BIN / "python", "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,  # noqa: S603
                            capture_output=True, text=True)
    return int(result.stdout.strip().splitlines()[-1])


def start_server(env):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise RuntimeError(f"port {PORT} is taken (BOOKING_BENCH_PORT)")
    command = [BIN / "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    base_url = f"http://127.0.0.1:{PORT}"
    wait_until_healthy(server, base_url)
    return server, base_url


def booking_urls(base_url) -> dict[str, str]:
    """The time page, and the details page of its first time."""
    status, _, html, _ = fetch(base_url + TIME_PAGE, {"User-Agent": "clinic-bench"})
    if status != 200:
        raise RuntimeError(f"{TIME_PAGE} answered {status}")
    start = re.search(r'name="start" value="([^"]+)"', html.decode())
    if start is None:
        raise RuntimeError(f"{TIME_PAGE} offers no time")
    details = TIME_PAGE.replace("/book/time/", "/book/details/") + "&start=" + quote(unescape(start.group(1)))
    return {"time page": TIME_PAGE, "details page": details}


def write_static_twins(base_url, urls) -> dict[str, str]:
    """Each page's own bytes (plain and gzipped as sent), as files whitenoise serves once gunicorn restarts."""
    twins = {}
    for name, url in urls.items():
        twins[name] = static_twin(name.replace(" ", "-"), base_url + url)
        SIZES[name] = len(fetch(base_url + url, {"User-Agent": "clinic-bench"})[2])
    return twins


def measure_cold_render(env) -> dict[str, float]:
    """One render with nothing cached, in this process (a child process with the bench's settings)."""
    script = f"""
import statistics, time, re
from django.core.cache import cache
from django.test import Client
from clinic.page_cache import forget_pages_in_memory
client = Client(HTTP_HOST="127.0.0.1")
urls = {{"time page": {TIME_PAGE!r}}}
html = client.get(urls["time page"]).content.decode()
start = re.search(r'name="start" value="([^"]+)"', html).group(1)
from urllib.parse import quote
from html import unescape
urls["details page"] = urls["time page"].replace("/book/time/", "/book/details/") + "&start=" + quote(unescape(start))
for name, url in urls.items():
    timings = []
    for _ in range(8):
        cache.clear()
        forget_pages_in_memory()  # and this process's copies
        client.get("/")  # the practice content, cached as after any other page
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append((time.perf_counter() - started) * 1000)
    print(name, statistics.median(timings[1:]))
"""
    result = subprocess.run([BIN / "python", "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,  # noqa: S603
                            capture_output=True, text=True)
    figures = {}
    for line in result.stdout.splitlines():
        name, _, value = line.rpartition(" ")
        if name in ("time page", "details page"):
            figures[name] = float(value)
    return figures


def bench_dataset(label, env, appointments: bool) -> bool:
    database_url = fresh_bench_database(BENCH_DATABASE, SQLITE_FILE)
    env = {**env, "DATABASE_URL": database_url}
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
        subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True, stdout=subprocess.DEVNULL)  # noqa: S603, S607
    else:
        env["CACHE_DIR"] = str(CACHE_DIR)
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
    seconds = prepare(env, appointments)
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    cache = "Redis" if env.get("REDIS_URL") else "file cache"
    print(f"{label}: {engine}, {cache}, {count_appointments(env)} appointments (made in {seconds:.0f} s)")
    server, base_url = start_server(env)
    try:
        urls = booking_urls(base_url)
        twins = write_static_twins(base_url, urls)
    finally:
        stop_server(server)
    server, base_url = start_server(env)  # whitenoise finds the twins when it starts
    results = {}
    try:
        for twin in twins.values():
            if fetch(base_url + twin)[0] != 200:
                raise RuntimeError(f"{twin} is not served")
        for name, url in urls.items():
            figures, problems = compare_alternated(base_url, url, twins[name], seconds=SECONDS * ROUNDS, server_pid=server.pid)
            results[name] = (figures[url], figures[twins[name]], problems)
    finally:
        stop_server(server)
        remove_twins()
    cold = measure_cold_render(env)
    all_passed = True
    for name, ((page_rate, page_cpu), (static_rate, static_cpu), problems) in results.items():
        ratio = page_rate / static_rate if static_rate else 0.0
        passed = ratio >= RATIO_GOAL and not problems
        all_passed &= passed
        cpu = f"; CPU {page_cpu:.2f} ms a request (static {static_cpu:.2f})" if page_cpu and static_cpu else ""
        print(f"  {name:<13} {SIZES[name] / 1024:.1f} KB: {page_rate:>6.0f} req/s, same-size static {static_rate:>6.0f} req/s, "
              f"ratio {ratio:.2f} (goal >= {RATIO_GOAL:.2f}) {'PASS' if passed else 'FAIL'}{cpu}; "
              f"cold render {cold.get(name, float('nan')):.1f} ms")
        for problem in problems:
            print(f"    ! {problem}")
    return all_passed


def main(env=None) -> int:
    ensure_wrk()
    env = env or build_production_environment()
    print(f"wrk -t1 -c{os.environ.get('BENCH_CONNECTIONS', '8')} -d{SECONDS}s, {SECONDS * ROUNDS} 1-second turns of each, alternated, gunicorn 2 sync workers, DEBUG=0")
    passed = bench_dataset("demo practice", env, appointments=False)
    passed &= bench_dataset("with 50,000 appointments", env, appointments=True)
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"bench failed: {error}")
