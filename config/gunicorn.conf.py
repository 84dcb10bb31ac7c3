"""gunicorn, as production runs it: ``gunicorn -c config/gunicorn.conf.py config.wsgi``
(scripts/production.sh does, with every process's output on stderr).

Every value can be changed from the environment without editing this file; the defaults suit
one app server on a small machine (2 cores, a few GB) behind nginx on the same host
(docs/deploy/nginx.conf).

The knobs
- GUNICORN_BIND (127.0.0.1:8000): where nginx reaches the app. Never a public address: the app
  believes the X-Forwarded-Proto and X-Forwarded-For it is sent (SECURE_PROXY_SSL_HEADER,
  TRUSTED_PROXY_COUNT), so only the proxy may connect. Several addresses: comma-separated.
- GUNICORN_WORKERS (CPU cores + 1): processes. Each holds its own Python and Django; memory,
  not CPU, is usually the limit (measure with the benchmark, bench/README.md).
- GUNICORN_WORKER_CLASS (gthread) and GUNICORN_THREADS (4): a page waits on PostgreSQL and
  Redis for much of its time; threads let one worker serve other requests meanwhile.
  ``sync`` (threads ignored) spreads connections over the workers most evenly: a gthread worker
  keeps accepting connections while it has free threads, so kept-alive connections can pile up
  on one worker (the benchmark checks this with ``ss``; the lead sets the default below).
- GUNICORN_KEEPALIVE (2 s): how long an idle kept-alive connection is held open. nginx as
  configured in docs/deploy/nginx.conf opens a new connection per request, so this only
  matters to clients that connect directly (the benchmark, a load balancer without nginx).
- GUNICORN_TIMEOUT (30 s): a worker silent this long is killed and replaced (a request stuck
  in a hung database call); GUNICORN_GRACEFUL_TIMEOUT (30 s): on SIGTERM, how long requests in
  flight may finish before their worker is killed.
- GUNICORN_MAX_REQUESTS (1000) + GUNICORN_MAX_REQUESTS_JITTER (100): a worker is replaced after
  about this many requests. A safety net for memory that Python never gives back (issue 12:
  workers grew to 1.4 GB after a large page); the jitter keeps the workers from restarting
  together. 0 switches it off.
- FORWARDED_ALLOW_IPS (127.0.0.1,::1, gunicorn's own variable): the proxies whose
  X-Forwarded-Proto gunicorn believes for ``wsgi.url_scheme``. nginx on another host: its
  address.
- GUNICORN_LOG_LEVEL (info), GUNICORN_ACCESS_LOG (-: on), GUNICORN_CONTROL_SOCKET (off).
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# The default worker class: one line to change once the benchmark has decided.
DEFAULT_WORKER_CLASS = "gthread"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", DEFAULT_WORKER_CLASS)
threads = _int("GUNICORN_THREADS", 4)
keepalive = _int("GUNICORN_KEEPALIVE", 2)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs: "-" is gunicorn's stream (access lines on stdout, errors on stderr);
# scripts/production.sh sends stdout to stderr, so the service manager keeps one stream.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client's address as the proxy saw it, then the request and how long it took (µs).
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s"'

# Worker heartbeats in memory, not on a disk that may stall (gunicorn's own advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# The runtime control socket (gunicorn >= 25) lives at one path per user by default, so a
# second instance on the same host would take it over; off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

proc_name = os.environ.get("GUNICORN_PROC_NAME", "sns-registry")
