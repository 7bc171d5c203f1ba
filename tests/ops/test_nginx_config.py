"""The shipped nginx configuration (deploy/nginx/clinic.conf) keeps slow clients away from the
app servers: short timeouts for clients that send or read slowly, and whole requests and answers
buffered by nginx, so a gunicorn worker never waits on a client. Reached directly, 20 clients
sending a byte a second froze an app server; these directives are what makes nginx required."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "clinic.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def without_comments(text):
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def blocks(text, opener):
    """The bodies of every `opener {…}` block (braces balanced)."""
    found = []
    for match in re.finditer(re.escape(opener) + r"\s*\{", text):
        depth, start = 1, match.end()
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                found.append(text[start:index])
                break
    return found


def directives(body):
    """Directives written directly in a block (not in blocks nested in it): name -> list of values."""
    flat, depth = [], 0
    for char in body:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and char not in "{}":
            flat.append(char)
    found = {}
    for statement in "".join(flat).split(";"):
        words = statement.split()
        if words:
            found.setdefault(words[0], []).append(" ".join(words[1:]))
    return found


def seconds(value):
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value.split()[0]).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 1, "m": 60}[unit]


@pytest.fixture(scope="module")
def https_server():
    text = without_comments(CONFIG.read_text())
    [server] = [body for body in blocks(text, "server") if "443" in directives(body).get("listen", [""])[0]]
    return server


@pytest.mark.parametrize(("directive", "at_most"), [
    ("client_header_timeout", 15), ("client_body_timeout", 15), ("send_timeout", 15), ("keepalive_timeout", 30),
])
def test_clients_that_send_or_read_slowly_are_dropped_soon(https_server, directive, at_most):
    values = directives(https_server).get(directive)
    assert values, f"{directive} is not set (nginx's default is 60 s or more)"
    assert 0 < seconds(values[0]) <= at_most


def test_the_app_gets_whole_requests_and_gives_whole_answers(https_server):
    [app] = blocks(https_server, "location /")
    settings = directives(app)
    assert settings["proxy_pass"] == ["http://clinic_app"]
    assert settings.get("proxy_request_buffering") == ["on"]
    assert settings.get("proxy_buffering") == ["on"]


def test_the_app_learns_the_client_and_the_scheme_from_nginx_alone(https_server):
    [app] = blocks(https_server, "location /")
    headers = dict(value.split(None, 1) for value in directives(app)["proxy_set_header"])
    # nginx appends the address it saw: the right-most entry, the one clinic.client_ip believes.
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    # Set, not passed on: a client's own X-Forwarded-Proto never reaches the app.
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_nginx_leaves_compression_to_the_app(https_server):
    """One layer compresses: the app, which pads against BREACH. nginx's own gzip has no padding."""
    [app] = blocks(https_server, "location /")
    assert directives(app).get("gzip") == ["off"]


@pytest.mark.slow
def test_nginx_accepts_the_shipped_configuration(tmp_path):
    """`nginx -t` on the shipped file, inside an http block as conf.d files are, with a throwaway
    certificate and log folder in place of the real ones (the only lines changed)."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make setup-test` installs Debian's nginx-light.")
    subprocess.run(  # noqa: S603  openssl from Debian with fixed arguments, writing into the test's folder
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=www.practice.example",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    config = CONFIG.read_text()
    config = config.replace("/etc/letsencrypt/live/www.practice.example/fullchain.pem", str(tmp_path / "cert.pem"))
    config = config.replace("/etc/letsencrypt/live/www.practice.example/privkey.pem", str(tmp_path / "key.pem"))
    config = config.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "clinic.conf").write_text(config)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/clinic.conf;\n}}\n"
    )
    result = subprocess.run(  # noqa: S603  Debian's nginx, only testing the configuration (-t)
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
