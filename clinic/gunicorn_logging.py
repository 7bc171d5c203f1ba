"""gunicorn's access log without what must not be logged (see gunicorn.conf.py).

Query strings are dropped (search terms and booking choices stay out of the log),
manage-link tokens in the path become [token] (they open a patient's appointment),
and the referrer is logged only as a path, redacted the same way.
"""

from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from clinic.log_filters import redact


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(environ.get("PATH_INFO", ""))
        referrer = environ.get("HTTP_REFERER")
        safe = {
            "U": path,
            "r": f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}",
            "q": "-",
            "f": redact(urlsplit(referrer).path) if referrer else "-",
        }
        # Only the atoms above (and the timing/size/status ones) may be used: headers and
        # environment variables, which may carry cookies or tokens, are left out.
        return {key: value for key, value in {**atoms, **safe}.items() if not key.startswith("{")}
