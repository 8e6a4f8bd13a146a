"""The production shape, run: `make serve` (gunicorn, DEBUG=false, PostgreSQL, Redis)
serves the admin and its CSS, a Pull runs on its qcluster, Ctrl-C stops everything.

The test plays the TLS-terminating proxy: it speaks plain HTTP to gunicorn and sends
`X-Forwarded-Proto: https`, as the README's production .env expects. The sandbox SIS is
served over https with a private authority the server trusts through
SIS_CA_BUNDLE, so production's refusal of plain-http SIS URLs stays untouched, and its
address (this machine's loopback) is reached because the production environment names
it in SIS_ALLOWED_NETWORKS, as a deployment names a district's private network: every
other non-public address stays refused, on every request.
"""

import os
import re
import signal
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from django.db import connection as db

from config.gunicorn import workers_for
from rostering.management.processes import STOP_GRACE_SECONDS
from rostering.models import Membership
from sandbox.tls import tls_files_create
from tests.factories import MembershipFactory
from tests.production.environment import ROOT, production_env
from tests.scheduling.conftest import sandbox_connection
from tests.scheduling.test_qcluster import (
    REDIS_URL,
    database_url,
    q_keys_delete,
    q_name_unique,
    redis_or_skip,
)

SANDBOX_NETWORK = "127.0.0.1/32"  # where the sandbox listens
START_SECONDS = 120
RUN_SECONDS = 90
PASSWORD = "correct horse battery staple"


def test_gunicorn_workers_follow_the_cpu_count():
    assert [workers_for(cpus=n) for n in (1, 2, 8)] == [3, 5, 17]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Proxied:
    """What a browser behind the TLS proxy sends gunicorn: `X-Forwarded-Proto: https`,
    its cookies (Secure, so a plain-HTTP client library would withhold them), and the
    https origin on POSTs."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.set_cookie_lines: list[str] = []

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers |= {"Origin": self.origin, "Referer": self.origin + path}
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for line in response.raw.headers.getlist("Set-Cookie"):
            self.set_cookie_lines.append(line)
            self.cookies |= {name: morsel.value for name, morsel in SimpleCookie(line).items()}
        return response

    def post_form(self, path: str, data: dict) -> requests.Response:
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": self.cookies["csrftoken"], **data}
        )


def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit():
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_serving(browser: Proxied, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert serve.poll() is None, log.read_text()[-3000:]
        try:
            if browser.request("GET", "/admin/login/").status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"make serve did not answer within {START_SECONDS}s:\n{log.read_text()[-3000:]}")


def ctrl_c(serve: subprocess.Popen) -> float:
    """What a terminal does on Ctrl-C: SIGINT to the foreground process group. Returns
    the seconds everything took to stop."""
    started = time.monotonic()
    os.killpg(serve.pid, signal.SIGINT)
    serve.wait(timeout=60)
    return time.monotonic() - started


def _start(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
        # A terminal's foreground job takes SIGINT; a test runner's child may ignore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.fixture
def https_sis(sandbox_sis_factory, tmp_path, settings):
    tls = tls_files_create(directory=tmp_path)
    # This process reads the SIS's school list when it seeds the connection, as the
    # production server does: trusting the sandbox's authority, and its address.
    settings.SIS_CA_BUNDLE, settings.SIS_ALLOWED_NETWORKS = str(tls.ca), [SANDBOX_NETWORK]
    server = sandbox_sis_factory(students=60, seed=7, tls_cert=str(tls.cert), tls_key=str(tls.key))
    return server, tls


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_make_serve_runs_the_admin_and_a_pull(https_sis, tmp_path, settings):
    if db.vendor != "postgresql":
        pytest.skip("the production shape runs on PostgreSQL")
    redis_or_skip()
    server, tls = https_sis
    key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [key]  # the server must read the secret stored here
    connection = sandbox_connection(server)
    manager = MembershipFactory(district=connection.district, role=Membership.Role.MANAGER).user
    manager.set_password(PASSWORD)
    manager.save()
    port, q_name, log = free_port(), q_name_unique(), tmp_path / "serve.log"
    env = production_env(
        FIELD_ENCRYPTION_KEY=key, DATABASE_URL=database_url(), Q_BROKER=REDIS_URL,
        Q_NAME=q_name, Q_WORKERS="1", WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
        STATIC_ROOT=str(tmp_path / "static"), ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}", SITE_URL=f"https://127.0.0.1:{port}",
        EMAIL_URL=f"filemail://{tmp_path / 'mail'}", SIS_CA_BUNDLE=str(tls.ca),
        SIS_ALLOWED_NETWORKS=SANDBOX_NETWORK,
    )  # fmt: skip
    browser = Proxied(port)
    serve = _start(env, log)
    try:
        wait_until_serving(browser, serve, log)
        processes = descendants(serve.pid)
        _check_https_rules(browser)
        _check_static_files(browser)
        _log_in(browser, manager.username)
        run_id = _pull(browser, connection.pk)
        progress = _wait_for_result(browser, run_id)
        processes |= descendants(serve.pid)
        stopping = ctrl_c(serve)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        q_keys_delete(q_name)
    output = log.read_text()
    assert progress["status_label"] == "Completed with ERROR", (progress, output[-3000:])
    assert list((tmp_path / "mail").iterdir()), "the worker e-mailed no summary"
    assert "Booting worker" in output and "Q Cluster" in output
    assert processes and not [pid for pid in processes if alive(pid)], output[-2000:]
    # Each stopped on its own signal, before the supervisor's SIGKILL deadline.
    assert stopping < STOP_GRACE_SECONDS, (stopping, output[-2000:])


def _check_https_rules(browser: Proxied) -> None:
    plain = requests.get(browser.base + "/admin/login/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    secure = browser.request("GET", "/admin/login/")
    assert "includeSubDomains" in secure.headers["Strict-Transport-Security"]
    assert any(
        line.startswith("csrftoken=") and "Secure" in line for line in browser.set_cookie_lines
    )


def _check_static_files(browser: Proxied) -> None:
    page = browser.request("GET", "/admin/login/").text
    (css,) = re.findall(r'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page)
    answer = browser.request("GET", css, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/css")
    assert "immutable" in answer.headers["Cache-Control"]
    assert answer.headers.get("Content-Encoding") == "gzip" and "body" in answer.text


def _log_in(browser: Proxied, username: str) -> None:
    answer = browser.post_form(
        "/admin/login/?next=/admin/", {"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/", answer.text[:500]
    assert any(
        line.startswith("sessionid=") and "Secure" in line for line in browser.set_cookie_lines
    )
    assert browser.request("GET", "/admin/").status_code == 200


def _pull(browser: Proxied, connection_id: int) -> int:
    answer = browser.post_form(f"/admin/connections/connection/{connection_id}/pull/", {})
    assert answer.status_code == 302, answer.text[:500]
    (run_id,) = re.findall(r"/admin/rostering/syncrun/(\d+)/change/", answer.headers["Location"])
    return int(run_id)


def _wait_for_result(browser: Proxied, run_id: int) -> dict:
    """Polls the run page's progress endpoint, as the page itself does."""
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        progress = browser.request("GET", f"/admin/rostering/syncrun/{run_id}/progress/").json()
        if not progress["active"]:
            return progress
        time.sleep(0.5)
    pytest.fail(f"import #{run_id} still {progress['status']} after {RUN_SECONDS}s")
