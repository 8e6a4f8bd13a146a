"""The sandbox over https (`--tls-cert`/`--tls-key`): a client trusts its private
authority the way it trusts a district's public one, and paging links stay https."""

import pytest
import requests

from sandbox.testing import SandboxClient
from sandbox.tls import tls_files_create
from sis import SisCredentials, client_for
from sis.errors import SisTlsError
from sis.records import Entity


@pytest.fixture
def tls(tmp_path):
    return tls_files_create(directory=tmp_path)


@pytest.fixture
def https_sis(sandbox_sis_factory, tls):
    return sandbox_sis_factory(students=40, tls_cert=str(tls.cert), tls_key=str(tls.key))


# The sandbox listens on loopback, which only a development setting lets SIS requests reach.
OPTIONS = {"allow_insecure": True, "max_retry_seconds": 1.0}


def _credentials(server) -> SisCredentials:
    return SisCredentials(
        kind="oneroster", base_url=server.base_url, client_id=server.client_id,
        client_secret=server.client_secret,
    )  # fmt: skip


def test_the_sandbox_serves_https_with_its_certificate(https_sis, tls):
    assert https_sis.base_url.startswith("https://127.0.0.1:")
    assert requests.get(https_sis.base_url + "_sandbox/info", verify=tls.ca, timeout=5).ok
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https_sis.base_url + "_sandbox/info", timeout=5)


def test_paging_links_keep_the_scheme(https_sis, tls, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    pages = list(SandboxClient(https_sis).login().pages_by_link("users", limit=10))
    assert len(pages) > 1
    assert pages[0].links["next"]["url"].startswith(https_sis.base_url)


def test_the_product_client_verifies_the_certificate(https_sis, tls, monkeypatch):
    with (
        client_for(_credentials(https_sis), **OPTIONS) as sis,
        pytest.raises(SisTlsError),
    ):
        sis.authenticate()
    # The SIS session ignores REQUESTS_CA_BUNDLE: the authority comes as an option
    # (SIS_CA_BUNDLE in production).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    with pytest.raises(SisTlsError), client_for(_credentials(https_sis), **OPTIONS) as sis:
        sis.authenticate()
    with client_for(_credentials(https_sis), verify=str(tls.ca), **OPTIONS) as sis:
        assert sis.schools()
        assert sum(len(page.records) for page in sis.iter_pages(Entity.STUDENTS)) == 40
