"""gunicorn settings for production. `gunicorn clinic.wsgi`, run from this folder, reads
them; every value can be changed with the environment variable named next to it
(documented in the README under "Deploying")."""

import multiprocessing
import os

# GUNICORN_BIND: where to listen. Behind nginx on the same machine keep 127.0.0.1;
# an app server that a proxy on another machine reaches listens on its private address.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# WEB_CONCURRENCY: worker processes. Sync workers; the usual 2 × CPUs + 1.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# GUNICORN_TIMEOUT: seconds a request may take before its worker is replaced.
# No page here takes more than a fraction of a second; 30 s only stops a stuck one.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20  # a restart lets requests under way finish for this long
keepalive = 5  # seconds, for the proxy's connections

# A worker is replaced after this many requests (with jitter, so not all at once).
max_requests = 10000
max_requests_jitter = 1000

# The heartbeat file in memory: a slow disk can make gunicorn think workers are stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# GUNICORN_ACCESS_LOG: a file, or "-" for standard output (journald under systemd).
# The format has the path only (%(U)s, no query string); AccessLogger also blanks
# manage-link tokens. Response time in milliseconds at the end.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms'
logger_class = "clinic.gunicorn_logging.AccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# X-Forwarded-* headers are believed only from these addresses (FORWARDED_ALLOW_IPS,
# read by gunicorn itself; default 127.0.0.1). Django trusts X-Forwarded-Proto through
# SECURE_PROXY_SSL_HEADER and the client address only from the proxies in TRUSTED_PROXIES
# (clinic/client_ip.py).

# gunicorn 27's runtime control socket is not used (restarts go through systemd or
# signals); left on, two app servers on one machine would fight over its one path.
control_socket_disable = True
