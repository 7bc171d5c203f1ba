"""The production gunicorn settings (gunicorn.conf.py) and the access log they write."""

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from clinic.gunicorn_logging import AccessLogger

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
TOKEN = "Zx9_secret-manage-token-0123456789abcdefghijk"


def load_conf(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_TIMEOUT", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def write_access_line(tmp_path, conf, environ):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", conf["access_log_format"])
    logger = AccessLogger(config)
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[("Set-Cookie", "sessionid=response-cookie")])
    request = SimpleNamespace(headers=[("COOKIE", "sessionid=request-cookie")])
    logger.access(response, request, environ, timedelta(milliseconds=7))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


def test_workers_follow_the_cpu_count_unless_web_concurrency_is_set(monkeypatch):
    import multiprocessing

    assert load_conf(monkeypatch)["workers"] == multiprocessing.cpu_count() * 2 + 1
    conf = load_conf(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_BIND="10.0.0.5:8000", GUNICORN_TIMEOUT="20")
    assert (conf["workers"], conf["bind"], conf["timeout"]) == (3, ["10.0.0.5:8000"], 20)
    assert conf["logger_class"] == "clinic.gunicorn_logging.AccessLogger"


def test_the_access_log_has_no_query_string_no_token_no_cookie(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch)
    line = write_access_line(tmp_path, conf, {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/appointments/manage/{TOKEN}/?week=2026-12-01&email=ada@example.com",
        "PATH_INFO": f"/appointments/manage/{TOKEN}/",
        "QUERY_STRING": "week=2026-12-01&email=ada@example.com",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://clinic.test/appointments/manage/{TOKEN}/reschedule/?week=2026-12-08",
    })
    assert '"GET /appointments/manage/[token]/ HTTP/1.1" 200 1234 7ms' in line
    assert line.startswith("203.0.113.9 [")
    for secret in (TOKEN, "?", "ada@example.com", "week=", "cookie"):
        assert secret not in line


def test_a_format_asking_for_headers_gets_nothing_from_them(monkeypatch, tmp_path):
    conf = {"access_log_format": '%(h)s "%(r)s" %({cookie}i)s %(f)s'}
    line = write_access_line(tmp_path, conf, {
        "REQUEST_METHOD": "POST", "RAW_URI": "/book/details/?x=1", "PATH_INFO": "/book/details/", "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": f"https://clinic.test/appointments/manage/{TOKEN}/",
    })
    assert '"POST /book/details/ HTTP/1.1"' in line
    assert "/appointments/manage/[token]/" in line
    assert "request-cookie" not in line and TOKEN not in line
