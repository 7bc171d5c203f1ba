"""Load and fault harness: two app servers on one PostgreSQL and one Redis, under load
and through a mail outage and a database restart. `make loadtest`; see the README.

What it does, all on loopback:

1. Uses the PostgreSQL at LOADTEST_PG_URL and the Redis at LOADTEST_REDIS_URL, starting
   them (pg_ctlcluster, redis-server) only if they are not running. Creates a fresh
   database `clinic_loadtest`, migrates it and seeds the demo practice. Starts a real
   SMTP server (loadtest/smtp_sink.py) and two gunicorn app servers with
   gunicorn.conf.py and production settings (DEBUG off), on two ports, sharing all three.
2. Capacity: wrk against each patient page on one server, then on both at once:
   req/s and p99.
3. Steady browsing: BROWSE_RATE requests/s spread over the patient pages and both
   servers for BROWSE_SECONDS; latency is measured from when each request was due
   (so a slow server cannot hide its queue): req/s, p50 and p99 per page.
4. Race: 50 patients, each with their own session and CSRF token, half on each
   server, send the booking form for the same provider and time at the same moment.
5. Mail: each app server has its outbox worker (`send_outbox --forever`), as deployed.
   Delivery: a booking's email reaches the SMTP server within seconds. Mail outage:
   bookings go on while the SMTP server is stopped and started again; then
   `send_outbox --retry-now`; every outbox message must arrive exactly once. Hung mail
   server: an app server and worker whose mail server accepts connections and never
   answers; every booking must still answer in well under a second, and the emails must
   arrive once the worker has a mail server that answers. Workers stop on SIGTERM.
5b. Double submission: each patient's booking form is sent twice, 50 ms apart, to the two
   servers: one booking, and the repeat answers with the first one's confirmation.
6. Database outage: PostgreSQL is stopped for OUTAGE_SECONDS. Pages must answer from
   the cache or with the friendly 503 page, /healthz with 503, a booking with 503; after
   the restart both servers must recover by themselves, and the patients who were
   refused must be able to book, once.
7. Rate limit: one address posts the booking form to both servers in turn; the limit
   must count the posts to either.
8. The access logs hold no query string and no manage-link token.
9. Redis down, then Redis hung: a third app server whose REDIS_URL is a closed port, then
   one that accepts connections and never answers. Patient pages must still answer 200,
   quickly; /healthz 200 with the cache "degraded"; bookings go through. Then Redis back:
   an app server reaches Redis through a switch that cuts every connection and restores
   them; it must serve pages throughout and use Redis again by itself once it is back.

LOADTEST_SKIP_DATABASE_OUTAGE=1 leaves PostgreSQL running (for a machine others share);
LOADTEST_DATABASE names the database it creates (default clinic_loadtest).

Prints one summary table; exit code 1 if any figure misses its goal, 2 if something it
needs is missing (it says what).
"""

import base64
import http.cookiejar
import json
import math
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

PG_URL = os.environ.get("LOADTEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/7")
DATABASE = os.environ.get("LOADTEST_DATABASE", "clinic_loadtest")
PAGES = ["/", "/hours/", "/services/dry-needling/", "/services/trigger-point-injections/", "/team/", "/telehealth/", "/book/"]
WRK_SECONDS = int(os.environ.get("LOADTEST_WRK_SECONDS", "3"))
WRK_CONNECTIONS = 8
BROWSE_RATE = int(os.environ.get("LOADTEST_BROWSE_RATE", "70"))  # requests per second, all pages together
BROWSE_SECONDS = int(os.environ.get("LOADTEST_BROWSE_SECONDS", "10"))
RACERS = 50
CLAIMERS = 20  # waitlisted patients claiming one offered time at once
MAIL_BOOKINGS = 8
OUTAGE_SECONDS = 5
RATE_LIMIT = 10
HUNG_MAIL_BOOKINGS = 6
DOUBLE_SUBMISSIONS = 5
DOUBLE_SUBMISSION_GAP_S = 0.05
WORKERS_PER_SERVER = 2
TIME_LIMIT = int(os.environ.get("LOADTEST_TIME_LIMIT", "900"))  # seconds for the whole run

# Goals.
BROWSE_P99_GOAL_MS = 250
RECOVERY_GOAL_S = 10
BOOKING_GOAL_S = 1.0  # slowest booking while the mail server hangs
DELIVERY_GOAL_S = 5.0  # from a booking to its email at the SMTP server, mail server healthy
WORKER_STOP_GOAL_S = 15.0  # SIGTERM to exit: EMAIL_TIMEOUT (5 s here) and a margin
MIN_SECONDS_BEFORE_POST = 3.2  # appointments.antispam.MIN_SECONDS, and a little more
CACHE_OUTAGE_PAGE_P95_GOAL_MS = 250  # with the cache down or hung, every patient page rendered from the database
CACHE_OUTAGE_SLOWEST_GOAL_MS = 1000  # the worst a patient waits: one Redis timeout (250 ms) on top of a render
CACHE_OUTAGE_RATE = 20  # requests per second over the patient pages, per phase
CACHE_OUTAGE_SECONDS = 12  # longer than REDIS_RETRY_SECONDS (10): each worker tries Redis again meanwhile
JUST_TAKEN = "That time was just taken"
TIME_GONE = "someone else took this time"  # appointments.waitlist.GONE
FRIENDLY_503 = "back in a moment"


class Missing(Exception):
    """Something the harness needs is not on this machine."""


# --- Reporting --------------------------------------------------------------


@dataclass
class Row:
    section: str
    figure: str
    value: str
    goal: str
    passed: bool | None  # None: reported, no goal


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, section, figure, value, goal="", passed=None):
        self.rows.append(Row(section, figure, str(value), goal, passed))
        mark = "" if passed is None else (" PASS" if passed else " FAIL")
        print(f"  {section}: {figure} = {value}{f'  (goal {goal})' if goal else ''}{mark}", flush=True)

    def print_table(self):
        widths = [max(len(getattr(row, name)) for row in self.rows) for name in ("section", "figure", "value", "goal")]
        widths = [max(width, len(title)) for width, title in zip(widths, ("Section", "Figure", "Measured", "Goal"), strict=True)]
        print("\n" + "  ".join(title.ljust(width) for title, width in zip(("Section", "Figure", "Measured", "Goal"), widths,
                                                                         strict=True)) + "  Result")
        print("  ".join("-" * width for width in widths) + "  ------")
        for row in self.rows:
            result = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
            cells = (row.section, row.figure, row.value, row.goal)
            print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + "  " + result)

    @property
    def all_passed(self):
        return all(row.passed is not False for row in self.rows)


# --- Services: PostgreSQL, Redis, SMTP --------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)  # noqa: S603 - our own fixed commands, no shell


class Postgres:
    """The local PostgreSQL server, and how to stop and start it for the outage."""

    def __init__(self, url):
        self.url = url
        parts = urlsplit(url)
        self.port = parts.port or 5432
        self.started_here = False
        self.stop_command, self.start_command = self.control_commands()

    def control_commands(self):
        stop, start = os.environ.get("LOADTEST_PG_STOP"), os.environ.get("LOADTEST_PG_START")
        if stop and start:
            return shlex.split(stop), shlex.split(start)
        if not shutil.which("pg_lsclusters") or not shutil.which("pg_ctlcluster"):
            raise Missing(
                "PostgreSQL's pg_lsclusters/pg_ctlcluster (Debian's postgresql package) to stop and start the server for "
                "the outage, or LOADTEST_PG_STOP and LOADTEST_PG_START with the commands that do it"
            )
        for line in subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout.splitlines():
            version, cluster, port = line.split()[:3]
            if int(port) == self.port:
                base = ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster]
                return [*base, "stop", "-m", "fast"], [*base, "start"]
        raise Missing(f"a PostgreSQL cluster listening on port {self.port} (pg_lsclusters lists none)")

    def is_up(self):
        try:
            psycopg2.connect(self.url, connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def wait_up(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.is_up():
                return
            time.sleep(0.2)
        raise Missing(f"PostgreSQL answering at {self.url} within {seconds} s")

    def ensure_running(self):
        if not self.is_up():
            print(f"PostgreSQL is not answering at {self.url}: starting it ({shlex.join(self.start_command)})")
            run(self.start_command)
            self.started_here = True
            self.wait_up()

    def stop(self):
        run(self.stop_command, stdout=subprocess.DEVNULL)

    def start(self):
        run(self.start_command, stdout=subprocess.DEVNULL)

    def stop_if_started(self):
        """Leave the machine as it was: a server the harness started is stopped again."""
        if self.started_here:
            self.stop()

    def database_url(self, name):
        parts = urlsplit(self.url)
        return parts._replace(path=f"/{name}").geturl()

    def recreate_database(self, name):
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def drop_database(self, name):
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


class Redis:
    def __init__(self, url):
        self.url = url
        self.started_here = False

    def ensure_running(self):
        client = redis.Redis.from_url(self.url, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.ConnectionError:
            server = shutil.which("redis-server")
            if not server:
                raise Missing(f"Redis at {self.url} (or redis-server, Debian's redis-server package, to start one)") from None
            port = urlsplit(self.url).port or 6379
            print(f"Redis is not answering at {self.url}: starting redis-server on port {port}")
            run([server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"])
            self.started_here = True
            for _ in range(50):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.1)
        client.flushdb()  # this database number is the harness's own

    def shutdown_if_started(self):
        if self.started_here:
            redis.Redis.from_url(self.url).shutdown(nosave=True)


class MailServer:
    """loadtest/smtp_sink.py in a child process, stopped and started at will."""

    def __init__(self, folder):
        self.port = free_port()
        self.log = folder / "received.jsonl"
        self.log.touch()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [BIN / "python", ROOT / "loadtest" / "smtp_sink.py", str(self.port), str(self.log)], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP sink did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def received(self):
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


class AppServer:
    def __init__(self, name, env, folder):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = folder / f"access-{name}.log"
        self.error_log = folder / f"server-{name}.log"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_ACCESS_LOG": str(self.access_log),
                    "WEB_CONCURRENCY": str(WORKERS_PER_SERVER), "GUNICORN_LOG_LEVEL": "warning"}
        self.process = None

    def start(self):
        with open(self.error_log, "ab") as errors:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [BIN / "gunicorn", "clinic.wsgi"], cwd=ROOT, env=self.env, stdout=errors, stderr=errors
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app server {self.name} exited; see {self.error_log}")
            if Browser().get(self.base + "/healthz").status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"app server {self.name} did not answer /healthz; see {self.error_log}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class OutboxWorker:
    """`manage.py send_outbox --forever` next to an app server, as deploy/systemd/clinic-outbox.service runs it."""

    def __init__(self, name, env, folder):
        self.name, self.env, self.log = name, env, folder / f"worker-{name}.log"
        self.process = None

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [BIN / "python", "manage.py", "send_outbox", "--forever"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    def stop(self):
        """SIGTERM; returns (exit code, seconds to exit), or (None, ...) if it had to be killed."""
        if not self.process or self.process.poll() is not None:
            return (self.process.returncode if self.process else None), 0.0
        started = time.monotonic()
        self.process.terminate()
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = None
        return code, time.monotonic() - started


class ServerThatNeverAnswers:
    """A port that accepts every connection and then neither reads nor writes: a hung mail
    server, or a hung Redis."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self.hold_everyone, daemon=True).start()

    def hold_everyone(self):
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for connection in self.held:
            connection.close()


# --- A browser: cookies, no automatic redirects ------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused, reset or timed out)
    headers: dict
    body: str
    seconds: float


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One patient: a cookie jar (session, CSRF) and an address (X-Forwarded-For, as the
    TLS proxy in front of the app servers would send)."""

    def __init__(self, address="127.0.0.1"):
        self.address = address
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects())

    def request(self, url, data=None):
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"X-Forwarded-For": self.address, "User-Agent": "clinic-loadtest"})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=15) as response:
                return Answer(response.status, dict(response.headers), response.read().decode("utf-8", "replace"),
                              time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode("utf-8", "replace"), time.monotonic() - started)
        except (OSError, urllib.error.URLError):
            return Answer(0, {}, "", time.monotonic() - started)

    def get(self, url):
        return self.request(url)

    def post(self, url, data):
        return self.request(url, data)


def field_value(html, name):
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return match.group(1) if match else None


# --- Booking as a patient does -------------------------------------------------


@dataclass
class Slot:
    visit: str
    provider: str
    start: str


def free_slots(base, wanted, spacing_minutes=120):
    """Free times of one provider, read off the booking pages as a patient sees them, at
    least `spacing_minutes` apart so that booking one never takes another."""
    browser = Browser()
    visit = field_value(browser.get(base + "/book/").body, "visit")
    params = {"visit": visit, "mode": "in_office", "provider": "any"}
    providers = re.findall(r'<option value="(\d+)"', browser.get(f"{base}/book/time/?{urlencode(params)}").body)
    for provider in providers:
        slots, week = [], ""
        for _ in range(6):  # up to six weeks ahead
            page = browser.get(f"{base}/book/time/?{urlencode({**params, 'provider': provider})}&week={week}").body
            for start in re.findall(r'name="start" value="([^"]+)"', page):
                moment = datetime.fromisoformat(start)
                if not slots or moment - datetime.fromisoformat(slots[-1].start) >= timedelta(minutes=spacing_minutes):
                    slots.append(Slot(visit, provider, start))
            following = re.search(r'week=(\d{4}-\d{2}-\d{2})">Later times', page)
            if len(slots) >= wanted or not following:
                break
            week = following.group(1)
        if len(slots) >= wanted:
            return slots[:wanted]
    raise RuntimeError(f"could not find {wanted} free times for one provider on the booking pages")


# Each patient a different person: the same name and date of birth at the same time is refused
# as one person holding two visits (appointments.booking._same_patients_visit).
BIRTH_DAYS = iter(range(100_000))


@dataclass
class Booking:
    """One patient's booking form, fetched and filled in, ready to send."""

    browser: Browser
    base: str
    email: str
    data: dict

    @classmethod
    def prepare(cls, base, slot, email, address, provider=None):
        browser = Browser(address)
        provider = provider or slot.provider
        query = urlencode({"visit": slot.visit, "mode": "in_office", "provider": provider, "start": slot.start})
        page = browser.get(f"{base}/book/details/?{query}")
        if page.status != 200:
            raise RuntimeError(f"the booking form answered {page.status} on {base}")
        data = {
            "csrfmiddlewaretoken": field_value(page.body, "csrfmiddlewaretoken"),
            "form_stamp": field_value(page.body, "form_stamp"),
            "visit": slot.visit, "mode": "in_office", "provider": provider, "start": slot.start,
            "first_name": "Load", "last_name": "Tester", "phone": "(301) 555-0142",
            "date_of_birth": (datetime(1940, 1, 1) + timedelta(days=next(BIRTH_DAYS))).strftime("%m/%d/%Y"),
            "email": email, "is_new_patient": "yes", "consent_to_contact": "on", "website": "",
            "coverage": "uninsured",  # the payment question every booking asks (45 CFR 149.610)
        }
        return cls(browser, base, email, data)

    def send(self, base=None):
        """'booked', 'taken', 'unavailable' (friendly 503), 'error' (5xx or no answer) or 'other'."""
        answer = self.browser.post(f"{base or self.base}/book/details/", self.data)
        if answer.status == 302 and answer.headers.get("Location", "").endswith("/book/confirmed/"):
            return "booked"
        if answer.status == 200 and JUST_TAKEN in answer.body:
            return "taken"
        if answer.status == 503 and FRIENDLY_503 in answer.body:
            return "unavailable"
        if answer.status == 0 or answer.status >= 500:
            return "error"
        return "other"


def address(number):
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


# --- The phases ---------------------------------------------------------------


def percentile(values, share):
    """Nearest-rank percentile: the smallest value with at least `share` of all values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def wrk(url, seconds):
    """(req/s, p99 ms, problems) from Debian's wrk."""
    result = subprocess.run(  # noqa: S603 - fixed command
        ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency", url], capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    problems = [] if result.returncode == 0 and rate else [f"wrk failed: {output.strip()[:200]}"]
    problems += [f"{n} non-2xx/3xx" for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output)]
    problems += [f"socket errors {e}" for e in re.findall(r"Socket errors:\s+(.*)", output)]
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else float("nan")
    return (float(rate.group(1)) if rate else 0.0), p99_ms, problems


def capacity(report, servers):
    if not shutil.which("wrk"):
        print("wrk not found: installing Debian's wrk package")
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", "wrk"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for page in PAGES:
        for server in servers:
            wrk(server.base + page, 1)  # warm-up: every worker has rendered and cached the page
        one = wrk(servers[0].base + page, WRK_SECONDS)
        with ThreadPoolExecutor(len(servers)) as pool:
            both = list(pool.map(lambda server, page=page: wrk(server.base + page, WRK_SECONDS), servers))
        rate_both, p99_both = sum(result[0] for result in both), max(result[1] for result in both)
        problems = one[2] + [problem for result in both for problem in result[2]]
        report.add("capacity", f"{page} 1 server", f"{one[0]:,.0f} req/s, p99 {one[1]:.1f} ms", "no errors", not one[2])
        report.add("capacity", f"{page} 2 servers", f"{rate_both:,.0f} req/s, p99 {p99_both:.1f} ms", "no errors",
                   not problems)


def browse(report, servers, label):
    """Open-loop: request i is due at start + i / BROWSE_RATE, whatever happened before."""
    total = BROWSE_RATE * BROWSE_SECONDS
    results = {page: [] for page in PAGES}
    failures = {page: 0 for page in PAGES}
    lock = threading.Lock()

    def visit(index, due):
        page = PAGES[index % len(PAGES)]
        server = servers[(index // len(PAGES)) % len(servers)]
        answer = Browser(address(1000 + index % 200)).get(server.base + page)
        latency = time.monotonic() - due
        with lock:
            results[page].append(latency * 1000)
            if answer.status != 200:
                failures[page] += 1

    start = time.monotonic() + 0.1
    with ThreadPoolExecutor(64) as pool:
        for index in range(total):
            due = start + index / BROWSE_RATE
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(visit, index, due)
    elapsed = time.monotonic() - start
    for page in PAGES:
        latencies = results[page]
        passed = failures[page] == 0 and percentile(latencies, 0.99) <= BROWSE_P99_GOAL_MS
        report.add(
            f"browse, {label}", page,
            f"{len(latencies) / elapsed:.1f} req/s, p50 {statistics.median(latencies):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, {failures[page]} failed",
            f"p99 <= {BROWSE_P99_GOAL_MS} ms, 0 failed", passed,
        )


def race(report, servers, slot, db):
    """RACERS patients book the same provider and time at the same moment, half on each server."""
    bookings = [Booking.prepare(servers[i % 2].base, slot, f"race-{i}@loadtest.example", address(2000 + i)) for i in range(RACERS)]
    time.sleep(MIN_SECONDS_BEFORE_POST)
    barrier = threading.Barrier(RACERS)

    def send(booking):
        barrier.wait()
        return booking.send()

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(send, bookings))
    counts = {name: outcomes.count(name) for name in ("booked", "taken", "unavailable", "error", "other")}
    rows = db.active_bookings_at(slot)
    report.add("race", f"{RACERS} bookings of one time, both servers", f"{counts['booked']} booked, {counts['taken']} taken",
               f"1 booked, {RACERS - 1} taken", counts["booked"] == 1 and counts["taken"] == RACERS - 1)
    report.add("race", "server errors / other answers", f"{counts['error']} / {counts['other'] + counts['unavailable']}", "0 / 0",
               counts["error"] == 0 and counts["other"] + counts["unavailable"] == 0)
    report.add("race", "rows in the database for that time", rows, "1", rows == 1)
    return {booking.email: outcome for booking, outcome in zip(bookings, outcomes, strict=True)}


# Run by `manage.py shell` against the run's database: CLAIMERS patients join the waitlist for one
# time, and the front desk offers it to all of them (waitlist.offer_by_hand, as the admin's action
# does). Prints each offer's claim path; the emails go to the SMTP server like every other.
CLAIM_SETUP = """
from datetime import date, datetime, timedelta
from django.urls import reverse
from django.utils import timezone
from appointments import waitlist
from appointments.models import VisitType
from clinic.models import Provider
visit = VisitType.objects.get(slug={visit!r})
provider = Provider.objects.get(pk={provider})
start = datetime.fromisoformat({start!r})
day = timezone.localtime(start).date()
entries = [
    waitlist.join(wish=waitlist.Wish(visit, provider, day, day, True, True, "0123456"), patient=dict(
        first_name="Claim", last_name="Racer", date_of_birth=date(1950, 1, 1) + timedelta(days=number), phone="+13015550142",
        email=f"claim-{{number}}@loadtest.example", is_new_patient=True, consent_to_contact=True, reason=""))
    for number in range({claimers})
]
for offer in waitlist.offer_by_hand(entries, provider=provider, starts_at=start):
    print(offer.entry.email, reverse("appointments:waitlist_claim", kwargs={{"token": offer.token()}}))
"""


def claim_race(report, servers, slot, env, db):
    """CLAIMERS waitlisted patients, offered the same time, claim it at the same moment, half on each server."""
    setup = subprocess.run(  # noqa: S603
        [BIN / "python", "manage.py", "shell", "-c",
         CLAIM_SETUP.format(visit=slot.visit, provider=int(slot.provider), start=slot.start, claimers=CLAIMERS)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    # Only the lines it prints itself (the outbox may log what it queued to the same output).
    offers = [line.split() for line in setup.stdout.splitlines() if re.fullmatch(r"\S+@loadtest\.example /waitlist/offer/\S+/", line)]
    if len(offers) != CLAIMERS:
        raise RuntimeError(f"the claim race's setup made {len(offers)} offers, not {CLAIMERS}:\n{setup.stdout}{setup.stderr}")
    claims = []
    for number, (email, path) in enumerate(offers):
        browser, base = Browser(address(3000 + number)), servers[number % 2].base
        page = browser.get(base + path)  # the offer's page, as from the email: its form and CSRF token
        claims.append((email, browser, base + path, field_value(page.body, "csrfmiddlewaretoken")))
    barrier = threading.Barrier(len(claims))

    def claim(item):
        _, browser, url, token = item
        barrier.wait()
        answer = browser.post(url, {"csrfmiddlewaretoken": token})
        if answer.status == 302 and answer.headers.get("Location", "").endswith("/book/confirmed/"):
            return "booked"
        if answer.status == 200 and TIME_GONE in answer.body:
            return "gone"
        return "error" if answer.status == 0 or answer.status >= 500 else "other"

    with ThreadPoolExecutor(len(claims)) as pool:
        outcomes = list(pool.map(claim, claims))
    booked, gone = outcomes.count("booked"), outcomes.count("gone")
    report.add("claim race", f"{CLAIMERS} waitlist claims of one offered time, both servers", f"{booked} booked, {gone} told it had gone",
               f"1 booked, {CLAIMERS - 1} told kindly", booked == 1 and gone == CLAIMERS - 1)
    report.add("claim race", "server errors / other answers", f"{outcomes.count('error')} / {outcomes.count('other')}", "0 / 0",
               outcomes.count("error") == 0 and outcomes.count("other") == 0)
    rows = db.active_bookings_at(slot)
    report.add("claim race", "rows in the database for that time", rows, "1", rows == 1)
    return {email: outcome for (email, *_), outcome in zip(claims, outcomes, strict=True)}


def mail_outage(report, servers, slots, mail, db):
    """Bookings go on while the mail server is stopped, then started again once the outbox
    workers have met it stopped (they poll every second, so a shorter outage goes unseen)."""
    bookings = [Booking.prepare(servers[i % 2].base, slot, f"mail-{i}@loadtest.example", address(3000 + i))
                for i, slot in enumerate(slots)]
    time.sleep(MIN_SECONDS_BEFORE_POST)
    outcomes = []
    for index, booking in enumerate(bookings):
        if index == MAIL_BOOKINGS // 3:
            mail.stop()
            print("  mail server stopped")
        if index == 2 * MAIL_BOOKINGS // 3:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not db.scalar(
                    "SELECT count(*) FROM appointments_outboxmessage WHERE status = 'failed'"):
                time.sleep(0.2)
            mail.start()
            print("  mail server started again")
        outcomes.append(booking.send())
    booked = outcomes.count("booked")
    report.add("mail outage", "bookings while the mail server was down or restarting", f"{booked} of {len(bookings)} booked",
               f"{len(bookings)} of {len(bookings)}", booked == len(bookings))
    return {booking.email: outcome for booking, outcome in zip(bookings, outcomes, strict=True)}


def received_by_outbox_id(mail):
    """How many times the SMTP server received each outbox message (by its Message-ID)."""
    received = {}
    for record in mail.received():
        match = re.search(r"<outbox\.(\d+)\.", record["message_id"])
        key = int(match.group(1)) if match else record["message_id"]
        received[key] = received.get(key, 0) + 1
    return received


def wait_for_the_outbox(db, seconds=20):
    """Until no message waits or is being sent (the workers are at it), at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not db.scalar("SELECT count(*) FROM appointments_outboxmessage WHERE status IN ('pending', 'sending')"):
            return
        time.sleep(0.2)


def check_mail(report, mail, env, db):
    failed_before = db.scalar("SELECT count(*) FROM appointments_outboxmessage WHERE attempts > 0 AND status <> 'sent'")
    report.add("mail outage", "messages that failed while the server was down", failed_before, ">= 1", failed_before >= 1)
    subprocess.run([BIN / "python", "manage.py", "send_outbox", "--retry-now"], cwd=ROOT, env=env, check=True)  # noqa: S603
    wait_for_the_outbox(db)
    rows = db.rows("SELECT id, status FROM appointments_outboxmessage")
    unsent = [row for row in rows if row[1] != "sent"]
    received = received_by_outbox_id(mail)
    outbox_ids = {row[0] for row in rows}
    twice = [key for key, count in received.items() if count > 1]
    missing = outbox_ids - set(received)
    strangers = set(received) - outbox_ids
    report.add("mail outage", "outbox messages sent after send_outbox", f"{len(rows) - len(unsent)} of {len(rows)}",
               "all", not unsent)
    report.add("mail outage", "delivered exactly once (by Message-ID)",
               f"{len(outbox_ids) - len(missing) - len(twice)} of {len(outbox_ids)}; {len(missing)} missing, "
               f"{len(twice)} twice, {len(strangers)} unknown", "all once, 0 missing/twice/unknown",
               not missing and not twice and not strangers)


def mail_delivery(report, servers, slot, mail, db):
    """With a healthy mail server, a booking's email reaches it within seconds (sent by a worker, not the request)."""
    booking = Booking.prepare(servers[1].base, slot, "delivery-0@loadtest.example", address(5000))
    time.sleep(MIN_SECONDS_BEFORE_POST)
    started = time.monotonic()
    outcome = booking.send()
    answered = time.monotonic() - started
    ids = {row[0] for row in db.rows(
        "SELECT o.id FROM appointments_outboxmessage o JOIN appointments_appointment a ON a.id = o.appointment_id "
        "WHERE a.email = %s", (booking.email,))}
    delay = None
    while time.monotonic() - started < 30:
        if ids and ids <= set(received_by_outbox_id(mail)):
            delay = time.monotonic() - started
            break
        time.sleep(0.05)
    report.add("mail delivery", "booking answered, then its emails at the mail server",
               f"{outcome} in {answered:.2f} s; {len(ids)} emails after " + (f"{delay:.1f} s" if delay else "over 30 s"),
               f"booked; all within {DELIVERY_GOAL_S:.0f} s", outcome == "booked" and delay is not None and delay <= DELIVERY_GOAL_S)
    return {booking.email: outcome}


def hung_mail(report, env, folder, workers, slots, mail, db):
    """A third app server and its worker whose mail server accepts connections and never answers.
    The two regular workers are stopped meanwhile (SIGTERM), so only that worker may send."""
    stopped = [worker.stop() for worker in workers]
    report.add("hung mail server", "workers stopped with SIGTERM: exit codes, slowest",
               f"{[code for code, _ in stopped]}, {max(seconds for _, seconds in stopped):.1f} s",
               f"all 0, <= {WORKER_STOP_GOAL_S:.0f} s",
               all(code == 0 for code, _ in stopped) and max(seconds for _, seconds in stopped) <= WORKER_STOP_GOAL_S)
    hung = ServerThatNeverAnswers()
    hung_env = {**env, "EMAIL_PORT": str(hung.port)}
    server = AppServer("hung", hung_env, folder)
    worker = OutboxWorker("hung", hung_env, folder)
    outcomes, seconds, page = [], [], None
    try:
        server.start()
        worker.start()
        bookings = [Booking.prepare(server.base, slot, f"hung-{i}@loadtest.example", address(6000 + i)) for i, slot in enumerate(slots)]
        time.sleep(MIN_SECONDS_BEFORE_POST)
        for booking in bookings:
            started = time.monotonic()
            outcomes.append(booking.send())
            seconds.append(time.monotonic() - started)
        page = Browser().get(server.base + "/hours/")
        time.sleep(2)  # the worker meanwhile waits on the hung server
        connections = len(hung.held)
        code, stop_seconds = worker.stop()
    finally:
        worker.stop()
        server.stop()
        hung.close()
        for regular in workers:
            regular.start()
    booked = outcomes.count("booked")
    report.add("hung mail server", "bookings while the mail server accepts and never answers",
               f"{booked} of {len(outcomes)} booked; slowest {max(seconds):.3f} s, median {statistics.median(seconds):.3f} s",
               f"all booked, slowest < {BOOKING_GOAL_S:.0f} s", booked == len(outcomes) and max(seconds) < BOOKING_GOAL_S)
    report.add("hung mail server", "a page right after", f"{page.status} in {page.seconds:.3f} s", "200, < 1 s",
               page.status == 200 and page.seconds < 1)
    report.add("hung mail server", "connections the worker held open to the hung server", connections, ">= 1 (the fault was real)",
               connections >= 1)
    report.add("hung mail server", "its worker stopped with SIGTERM while waiting on it", f"exit {code} after {stop_seconds:.1f} s",
               f"exit 0, <= {WORKER_STOP_GOAL_S:.0f} s", code == 0 and stop_seconds <= WORKER_STOP_GOAL_S)
    # The mail server answers again (the regular workers): the operator runs --retry-now.
    subprocess.run([BIN / "python", "manage.py", "send_outbox", "--retry-now"], cwd=ROOT, env=env, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)
    wait_for_the_outbox(db)
    ids = {row[0] for row in db.rows(
        "SELECT o.id FROM appointments_outboxmessage o JOIN appointments_appointment a ON a.id = o.appointment_id "
        "WHERE a.email LIKE %s", ("hung-%",))}
    received = received_by_outbox_id(mail)
    once = [message_id for message_id in ids if received.get(message_id) == 1]
    report.add("hung mail server", "its emails delivered once the mail server answers (by Message-ID)",
               f"{len(once)} of {len(ids)} exactly once", "all, once", bool(ids) and len(once) == len(ids))
    return {booking.email: outcome for booking, outcome in zip(bookings, outcomes, strict=True)}


def double_submission(report, servers, slots, db):
    """Each patient's form, with "first available", sent twice 50 ms apart: to one server, then the other."""
    bookings = [Booking.prepare(servers[0].base, slot, f"twice-{i}@loadtest.example", address(7000 + i), provider="any")
                for i, slot in enumerate(slots)]
    time.sleep(MIN_SECONDS_BEFORE_POST)
    answers = []
    for booking in bookings:
        pair = [None, None]

        def send(index, base, booking=booking, pair=pair):
            pair[index] = booking.send(base)

        first = threading.Thread(target=send, args=(0, servers[0].base))
        second = threading.Thread(target=send, args=(1, servers[1].base))
        first.start()
        time.sleep(DOUBLE_SUBMISSION_GAP_S)
        second.start()
        first.join()
        second.join()
        answers.append(pair)
    rows = dict(db.rows("SELECT email, count(*) FROM appointments_appointment WHERE email LIKE %s GROUP BY email", ("twice-%",)))
    references = dict(db.rows("SELECT email, reference FROM appointments_appointment WHERE email LIKE %s", ("twice-%",)))
    emails = db.scalar(
        "SELECT count(*) FROM appointments_outboxmessage o JOIN appointments_appointment a ON a.id = o.appointment_id "
        "WHERE a.email LIKE %s AND o.kind IN ('patient_received', 'patient_confirmed')", ("twice-%",))
    shown = sum(1 for booking in bookings
                if references.get(booking.email) and references[booking.email] in booking.browser.get(servers[1].base + "/book/confirmed/").body)
    both = sum(1 for pair in answers if pair == ["booked", "booked"])
    report.add("double submission", f"{len(bookings)} forms each sent twice, {DOUBLE_SUBMISSION_GAP_S * 1000:.0f} ms apart, both servers",
               f"{sum(rows.values())} bookings for {len(rows)} patients; {emails} patient emails",
               f"{len(bookings)} bookings, {len(bookings)} emails",
               sum(rows.values()) == len(bookings) and len(rows) == len(bookings) and emails == len(bookings))
    report.add("double submission", "the repeat answered with the first booking's confirmation",
               f"{both} of {len(bookings)} both answers 'booked'; {shown} confirmation pages show the reference",
               "all", both == len(bookings) and shown == len(bookings))
    return {booking.email: "booked" if "booked" in pair else pair[0] for booking, pair in zip(bookings, answers, strict=True)}


def database_outage(report, servers, postgres, slots):
    """Stop PostgreSQL for OUTAGE_SECONDS while patients browse and book."""
    bookings = [Booking.prepare(servers[i % 2].base, slot, f"outage-{i}@loadtest.example", address(4000 + i))
                for i, slot in enumerate(slots)]
    time.sleep(MIN_SECONDS_BEFORE_POST)
    checks = ["/", "/hours/", "/services/dry-needling/", "/team/?outage", "/book/time/?visit=x&mode=in_office"]
    tally = {"from cache": 0, "friendly 503": 0, "bad": 0}
    bad_examples, health = [], []
    outcomes_during = []
    print(f"  stopping PostgreSQL for {OUTAGE_SECONDS} s ({shlex.join(postgres.stop_command)})")
    postgres.stop()
    stopped_at = time.monotonic()
    try:
        sent = 0
        while time.monotonic() - stopped_at < OUTAGE_SECONDS:
            for server in servers:
                for path in checks:
                    answer = Browser().get(server.base + path)
                    if answer.status == 200:
                        tally["from cache"] += 1
                    elif answer.status == 503 and FRIENDLY_503 in answer.body and answer.headers.get("Retry-After"):
                        tally["friendly 503"] += 1
                    else:
                        tally["bad"] += 1
                        bad_examples.append(f"{path} {answer.status}")
                health.append(Browser().get(server.base + "/healthz").status)
            if sent < len(bookings) // 2:
                outcomes_during.append(bookings[sent].send())
                sent += 1
            time.sleep(0.3)
    finally:
        print("  starting PostgreSQL again")
        postgres.start()
    started_at = time.monotonic()
    recovered = {}
    while len(recovered) < len(servers) and time.monotonic() - started_at < 60:
        for server in servers:
            if server.name not in recovered and Browser().get(server.base + "/healthz").status == 200:
                recovered[server.name] = time.monotonic() - started_at
        time.sleep(0.1)
    report.add("database outage", "patient pages during the outage",
               f"{tally['from cache']} from cache, {tally['friendly 503']} friendly 503, {tally['bad']} other",
               "0 other (no 500, no stack trace)", tally["bad"] == 0 and tally["friendly 503"] > 0)
    if bad_examples:
        print("    other answers:", ", ".join(bad_examples[:10]))
    report.add("database outage", "/healthz during the outage", f"{health.count(503)} of {len(health)} answered 503",
               "all 503", bool(health) and health.count(503) == len(health))
    report.add("database outage", "bookings sent during the outage",
               f"{outcomes_during.count('unavailable')} of {len(outcomes_during)} told 503, nothing saved",
               "all 503", outcomes_during.count("unavailable") == len(outcomes_during))
    slowest = max(recovered.values()) if len(recovered) == len(servers) else float("inf")
    report.add("database outage", "both servers healthy again after the restart",
               f"{slowest:.1f} s" if slowest != float("inf") else "not within 60 s", f"<= {RECOVERY_GOAL_S} s, by themselves",
               slowest <= RECOVERY_GOAL_S)
    # Every patient sends the form again once the site is back: the refused ones too.
    outcomes_after = [booking.send() for booking in bookings]
    report.add("database outage", "the same patients booking after recovery",
               f"{outcomes_after.count('booked')} of {len(bookings)} booked", f"{len(bookings)} of {len(bookings)}",
               outcomes_after.count("booked") == len(bookings))
    return {booking.email: outcome for booking, outcome in zip(bookings, outcomes_after, strict=True)}


def rate_limit(report, servers, slot):
    """One address posts 2 × the limit, alternating between the servers."""
    browser = Browser("192.0.2.77")
    page = browser.get(f"{servers[0].base}/book/details/?" + urlencode(
        {"visit": slot.visit, "mode": "in_office", "provider": slot.provider, "start": slot.start}))
    token = field_value(page.body, "csrfmiddlewaretoken")
    statuses = []
    for index in range(2 * RATE_LIMIT):
        answer = browser.post(f"{servers[index % 2].base}/book/details/", {"csrfmiddlewaretoken": token, "visit": slot.visit})
        statuses.append(answer.status)
    accepted = next((index for index, status in enumerate(statuses) if status == 429), len(statuses))
    limited = statuses.count(429)
    report.add("rate limit", f"posts from one address, alternating servers (limit {RATE_LIMIT})",
               f"{accepted} answered, then {limited} refused with 429", f"{RATE_LIMIT}, then {RATE_LIMIT}",
               accepted == RATE_LIMIT and limited == RATE_LIMIT and all(status != 0 and status < 500 for status in statuses))


def manage_link_and_logs(report, servers, mail):
    """Follow a manage link from a delivered email, then read both access logs."""
    links = [match.group(0) for record in mail.received()
             for match in [re.search(r"https?://[^\s]+/appointments/manage/[^/\s]+/", record.get("text", ""))] if match]
    opened = Browser().get(links[0]).status if links else 0
    report.add("privacy", "manage link from a delivered email opens", opened, "200", opened == 200)
    tokens = {link.rstrip("/").rsplit("/", 1)[1] for link in links}
    lines = [line for server in servers for line in server.access_log.read_text().splitlines()]
    leaks = [line for line in lines if "?" in line or any(token in line for token in tokens)]
    report.add("privacy", "access log lines with a query string or token", f"{len(leaks)} of {len(lines)}", "0", not leaks and
               bool(lines))


def cache_outage(report, section, redis_url, env, folder, slots, first_address):
    """A third app server whose cache is `redis_url` (a fault), browsed and booked on; returns the
    bookings' outcomes. Its workers pay one Redis timeout each, then skip Redis (the breaker)."""
    server = AppServer(section.replace(" ", "-"), {}, folder)
    server.env.update({**env, "REDIS_URL": redis_url})
    try:
        server.start()
        prepared_at = time.monotonic()
        bookings = [Booking.prepare(server.base, slot, f"{section.replace(' ', '-')}-{i}@loadtest.example",
                                    address(first_address + i)) for i, slot in enumerate(slots)]
        latencies, statuses = [], []

        def visit(page, due):  # open-loop, as in browse(): latency counted from when the request was due
            answer = Browser(address(first_address + 100)).get(server.base + page)
            statuses.append(answer.status)
            latencies.append((time.monotonic() - due) * 1000)

        start = time.monotonic() + 0.1
        with ThreadPoolExecutor(16) as pool:
            for index in range(CACHE_OUTAGE_RATE * CACHE_OUTAGE_SECONDS):
                due = start + index / CACHE_OUTAGE_RATE
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(visit, PAGES[index % len(PAGES)], due)
        health = Browser().get(server.base + "/healthz")
        time.sleep(max(0.0, prepared_at + MIN_SECONDS_BEFORE_POST - time.monotonic()))
        outcomes, booking_seconds = [], []
        for booking in bookings:
            started = time.monotonic()
            outcomes.append(booking.send())
            booking_seconds.append(time.monotonic() - started)
    finally:
        server.stop()
    not_200 = len(statuses) - statuses.count(200)
    p95, slowest = percentile(latencies, 0.95), max(latencies)
    report.add(section, f"patient pages, {CACHE_OUTAGE_RATE} req/s for {CACHE_OUTAGE_SECONDS} s, 1 server",
               f"{statuses.count(200)} answered 200, p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
               f"slowest {slowest:.0f} ms",
               f"all 200, p95 <= {CACHE_OUTAGE_PAGE_P95_GOAL_MS} ms, slowest <= {CACHE_OUTAGE_SLOWEST_GOAL_MS} ms",
               not_200 == 0 and p95 <= CACHE_OUTAGE_PAGE_P95_GOAL_MS and slowest <= CACHE_OUTAGE_SLOWEST_GOAL_MS)
    cache_state = json.loads(health.body).get("cache") if health.status == 200 else None
    report.add(section, "/healthz", f"{health.status}, cache {cache_state!r}", "200, cache 'degraded'",
               health.status == 200 and cache_state == "degraded")
    report.add(section, "bookings", f"{outcomes.count('booked')} of {len(outcomes)} booked, slowest "
               f"{max(booking_seconds) * 1000:.0f} ms", f"all booked, each < {CACHE_OUTAGE_SLOWEST_GOAL_MS} ms",
               outcomes.count("booked") == len(outcomes) and max(booking_seconds) * 1000 < CACHE_OUTAGE_SLOWEST_GOAL_MS)
    return {booking.email: outcome for booking, outcome in zip(bookings, outcomes, strict=True)}


class RedisSwitch:
    """A port in front of the harness's Redis: passes everything through until `cut()` closes
    every connection and refuses new ones (as a stopped Redis does), and again after `restore()`."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.upstream = (parts.hostname, parts.port or 6379)
        self.database = parts.path.strip("/") or "0"
        self.port = free_port()
        self.listener, self.sockets = None, []
        self.restore()

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    @staticmethod
    def pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            end.close()

    def cut(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self.sockets = []


def redis_back(report, env, folder):
    """Redis stops under a running app server and comes back: pages answer throughout, and the
    server uses Redis again by itself (each worker within REDIS_RETRY_SECONDS)."""
    switch = RedisSwitch(REDIS_URL)
    server = AppServer("redis-back", {}, folder)
    server.env.update({**env, "REDIS_URL": f"redis://127.0.0.1:{switch.port}/{switch.database}"})
    retry_seconds = int(env.get("REDIS_RETRY_SECONDS", "10"))
    try:
        server.start()
        for page in PAGES:  # cached in Redis
            Browser().get(server.base + page)
        switch.cut()
        print("  Redis cut off")
        statuses, health = [], []
        cut_at = time.monotonic()
        while time.monotonic() - cut_at < 3:
            statuses += [Browser().get(server.base + page).status for page in PAGES]
            health.append(json.loads(Browser().get(server.base + "/healthz").body or "{}").get("cache"))
        switch.restore()
        print("  Redis back")
        restored_at, in_a_row, back_after = time.monotonic(), 0, None
        while back_after is None and time.monotonic() - restored_at < retry_seconds + 20:
            answer = Browser().get(server.base + "/healthz")
            in_a_row = in_a_row + 1 if answer.status == 200 and json.loads(answer.body).get("cache") == "ok" else 0
            if in_a_row >= 10:  # every worker, not just one, answers "ok"
                back_after = time.monotonic() - restored_at
            time.sleep(0.1)
    finally:
        server.stop()
        switch.cut()
    report.add("redis back", "patient pages while Redis was cut off (3 s)", f"{statuses.count(200)} of {len(statuses)} answered 200",
               "all 200", statuses.count(200) == len(statuses) > 0)
    report.add("redis back", "/healthz cache while cut off", f"{health.count('degraded')} of {len(health)} 'degraded'",
               "all 'degraded'", health.count("degraded") == len(health) > 0)
    report.add("redis back", "Redis in use again (10 /healthz in a row 'ok')",
               f"{back_after:.1f} s after it was back" if back_after is not None else "not within the wait",
               f"<= {retry_seconds + 5} s, without a restart", back_after is not None and back_after <= retry_seconds + 5)


def redis_down(report, env, folder, slots):
    """Redis stopped: the app server's REDIS_URL is a port where nothing listens."""
    return cache_outage(report, "redis down", f"redis://127.0.0.1:{free_port()}/0", env, folder, slots, 5000)


def redis_hung(report, env, folder, slots):
    """Redis hung: it accepts connections and never answers."""
    hung = ServerThatNeverAnswers()
    try:
        return cache_outage(report, "redis hung", f"redis://127.0.0.1:{hung.port}/0", env, folder, slots, 6000)
    finally:
        hung.close()


class Database:
    def __init__(self, url):
        self.url = url

    def rows(self, sql, params=()):
        with psycopg2.connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        connection.close()
        return result

    def scalar(self, sql, params=()):
        return self.rows(sql, params)[0][0]

    def active_bookings_at(self, slot):
        return self.scalar(
            "SELECT count(*) FROM appointments_appointment WHERE provider_id = %s AND starts_at = %s "
            "AND status IN ('requested', 'confirmed')", (int(slot.provider), slot.start),
        )

    def bookings_by_email(self):
        rows = self.rows("SELECT email, count(*) FROM appointments_appointment WHERE email LIKE %s GROUP BY email",
                         ("%@loadtest.example",))
        return dict(rows)


def no_booking_lost_or_doubled(report, outcomes, db):
    saved = db.bookings_by_email()
    wrong = [email for email, outcome in outcomes.items() if saved.get(email, 0) != (1 if outcome == "booked" else 0)]
    report.add("all phases", "each patient told 'booked' has exactly one row, the others none",
               f"{len(outcomes) - len(wrong)} of {len(outcomes)} patients", "all", not wrong)


# --- Main ---------------------------------------------------------------------------


def production_env(database_url, mail, site_url):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_", "EMAIL_"))}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0",
        # Every server and worker of the run shares one throwaway key for intake answers, as they share the database.
        INTAKE_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), INTAKE_KEYS_FILE="", SITE_URL=site_url, DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(mail.port),
        EMAIL_TIMEOUT="5", FRONT_DESK_EMAIL="frontdesk@loadtest.example", DEFAULT_FROM_EMAIL="clinic@loadtest.example",
        TRUSTED_PROXIES="127.0.0.1", BOOKING_RATE_LIMIT=str(RATE_LIMIT), BOOKING_RATE_WINDOW_SECONDS="600",
    )
    return env


def out_of_time(*_):
    raise TimeoutError(f"the harness ran over its time limit of {TIME_LIMIT} s (LOADTEST_TIME_LIMIT)")


def main():
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(TIME_LIMIT)
    print("Needs: PostgreSQL (LOADTEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) that this user may "
          "stop and start, Redis (LOADTEST_REDIS_URL, default redis://127.0.0.1:6379/7, flushed), wrk; loopback only.")
    try:
        postgres = Postgres(PG_URL)
        postgres.ensure_running()
        cache = Redis(REDIS_URL)
        cache.ensure_running()
    except Missing as missing:
        print(f"loadtest needs {missing}.", file=sys.stderr)
        return 2
    report = Report()
    folder = Path(tempfile.mkdtemp(prefix="clinic-loadtest-"))
    mail = MailServer(folder)
    servers, workers = [], []
    database_url = postgres.database_url(DATABASE)
    try:
        mail.start()
        postgres.recreate_database(DATABASE)
        # The first server's address is the site address: links in emails lead there.
        servers = [AppServer("a", {}, folder), AppServer("b", {}, folder)]
        env = production_env(database_url, mail, servers[0].base)
        for server in servers:
            server.env.update(env)
        print(f"Preparing database {DATABASE} (migrate, seed_demo); logs in {folder}")
        for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]):
            run([BIN / "python", "manage.py", *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for server in servers:
            server.start()
        workers = [OutboxWorker(server.name, env, folder) for server in servers]
        for worker in workers:
            worker.start()
        print(f"App servers: {', '.join(server.base for server in servers)}, {WORKERS_PER_SERVER} workers each, "
              "and an outbox worker each")
        db = Database(database_url)
        outcomes = {}

        if not os.environ.get("LOADTEST_SKIP_LOAD"):
            print("Capacity (wrk)")
            capacity(report, servers)
            print(f"Steady browsing at {BROWSE_RATE} req/s for {BROWSE_SECONDS} s")
            browse(report, servers[:1], "1 server")
            browse(report, servers, "2 servers")
        print(f"Race: {RACERS} bookings of one time")
        outcomes.update(race(report, servers, free_slots(servers[0].base, 1)[0], db))
        print(f"Claim race: {CLAIMERS} waitlist claims of one time")
        outcomes.update(claim_race(report, servers, free_slots(servers[0].base, 1)[0], env, db))
        print("Mail delivery")
        outcomes.update(mail_delivery(report, servers, free_slots(servers[0].base, 1)[0], mail, db))
        print("Mail outage")
        outcomes.update(mail_outage(report, servers, free_slots(servers[0].base, MAIL_BOOKINGS), mail, db))
        check_mail(report, mail, env, db)
        print("Hung mail server")
        outcomes.update(hung_mail(report, env, folder, workers, free_slots(servers[0].base, HUNG_MAIL_BOOKINGS), mail, db))
        print("Double submission")
        outcomes.update(double_submission(report, servers, free_slots(servers[0].base, DOUBLE_SUBMISSIONS), db))
        if os.environ.get("LOADTEST_SKIP_DATABASE_OUTAGE"):
            print("Database outage: skipped (LOADTEST_SKIP_DATABASE_OUTAGE)")
        else:
            print("Database outage")
            outcomes.update(database_outage(report, servers, postgres, free_slots(servers[0].base, 4)))
        print("Redis down")
        outcomes.update(redis_down(report, env, folder, free_slots(servers[0].base, 2)))
        print("Redis hung")
        outcomes.update(redis_hung(report, env, folder, free_slots(servers[0].base, 2)))
        print("Redis back")
        redis_back(report, env, folder)
        no_booking_lost_or_doubled(report, outcomes, db)
        print("Rate limit")
        rate_limit(report, servers, free_slots(servers[0].base, 1)[0])
        manage_link_and_logs(report, servers, mail)
    finally:
        signal.alarm(0)
        if not postgres.is_up():
            postgres.start()
            postgres.wait_up()
        for worker in workers:
            worker.stop()
        for server in servers:
            server.stop()
        mail.stop()
        if os.environ.get("LOADTEST_KEEP"):
            print(f"Kept database {DATABASE} and {folder}")
        else:
            postgres.drop_database(DATABASE)
            shutil.rmtree(folder, ignore_errors=True)
        cache.shutdown_if_started()
        postgres.stop_if_started()
    report.print_table()
    print("\nAll goals met." if report.all_passed else "\nSome goals were missed.")
    return 0 if report.all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
