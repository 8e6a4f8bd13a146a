import pytest

from sandbox.testing import SandboxClient, sandbox_sis, sandbox_sis_factory, sandbox_sis_shared

__all__ = ["sandbox_sis", "sandbox_sis_factory", "sandbox_sis_shared"]


@pytest.fixture
def client(sandbox_sis) -> SandboxClient:
    return SandboxClient(sandbox_sis).login()


@pytest.fixture
def shared_client(sandbox_sis_shared) -> SandboxClient:
    return SandboxClient(sandbox_sis_shared).login()
