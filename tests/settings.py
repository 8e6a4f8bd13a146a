"""The test suite's settings: the project's own, in development mode.

DEBUG=true at start-up allows the development shortcuts the tests rely on (the sandbox
SIS over plain http, a SECRET_KEY-derived field key); pytest-django still runs each
test with settings.DEBUG=False. Set here, before the settings are read, so that the
processes the tests start (qcluster, manage.py, the benchmark) inherit it too.
"""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: F403
