"""Pytest fixtures and a tiny HTTP client for tests that run against the sandbox SIS.

Use from a conftest: `from sandbox.testing import sandbox_sis, sandbox_sis_factory`
(the root conftest may instead say `pytest_plugins = ["sandbox.testing"]`).

- `sandbox_sis_factory(students=200, seed=1, clean=False, **SandboxServer kwargs)`
  starts a server on a free port; every server it made stops when the test ends.
- `sandbox_sis`: a fresh 200-student server for one test (faults, permissions and
  mutations made by the test die with it).
- `sandbox_sis_shared`: one 200-student server for the whole session; never mutate it.
"""

from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests

from sandbox.auth import SCOPES
from sandbox.server import SandboxServer

ONEROSTER = "ims/oneroster/v1p1/"


class SandboxClient:
    """A minimal OneRoster client for tests: token, cookies, and two ways to page."""

    def __init__(self, server: SandboxServer, *, scope: str = " ".join(SCOPES[:2])) -> None:
        self.server = server
        self.session = requests.Session()
        self.scope = scope
        self.token: str | None = None

    def token_response(self, **kwargs) -> requests.Response:
        data = {"grant_type": "client_credentials", "scope": self.scope}
        auth = (self.server.client_id, self.server.client_secret)
        return self.session.post(
            self.server.base_url + "token",
            auth=kwargs.pop("auth", auth),
            data=kwargs.pop("data", data),
            timeout=10,
            **kwargs,
        )

    def login(self) -> "SandboxClient":
        response = self.token_response()
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self

    def get(self, path: str, **params) -> requests.Response:
        url = path if path.startswith("http") else self.server.base_url + ONEROSTER + path
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        timeout = params.pop("timeout", 10)
        return self.session.get(url, params=params or None, headers=headers, timeout=timeout)

    def pages_by_link(self, path: str, **params) -> Iterator[requests.Response]:
        response = self.get(path, **params)
        while True:
            response.raise_for_status()
            yield response
            following = response.links.get("next")
            if not following:
                return
            response = self.get(urljoin(response.url, following["url"]))

    def pages_by_total(self, path: str, limit: int = 100, **params) -> Iterator[requests.Response]:
        offset, total = 0, None
        while total is None or offset < total:
            response = self.get(path, limit=limit, offset=offset, **params)
            response.raise_for_status()
            total = int(response.headers["X-Total-Count"])
            yield response
            offset += limit


@pytest.fixture
def sandbox_sis_factory() -> Iterator:
    servers: list[SandboxServer] = []

    def make(students: int = 200, seed: int = 1, clean: bool = False, **kwargs) -> SandboxServer:
        server = SandboxServer(students=students, seed=seed, clean=clean, **kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox_sis(sandbox_sis_factory) -> SandboxServer:
    return sandbox_sis_factory()


@pytest.fixture(scope="session")
def sandbox_sis_shared() -> Iterator[SandboxServer]:
    with SandboxServer(students=200, seed=1) as server:
        yield server
