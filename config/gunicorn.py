"""gunicorn's settings for `make serve` (`gunicorn -c python:config.gunicorn config.wsgi`),
from the environment like the rest (see .env.example)."""

import os


def cpu_count() -> int:
    """The CPUs this process may run on (a container's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def workers_for(*, cpus: int) -> int:
    # gunicorn's rule of thumb: while one worker waits on the database, another serves.
    return 2 * cpus + 1


bind = os.environ.get("WEB_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or workers_for(cpus=cpu_count()))
# Test connection reads ten collections with a 30 s budget each; gunicorn's 30 s
# default would kill the worker mid-test.
timeout = int(os.environ.get("WEB_TIMEOUT") or 120)
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No runtime control socket (gunicornc): nothing uses it, and two servers on one
# machine would share its default path.
control_socket_disable = True
