from sandbox.testing import sandbox_sis, sandbox_sis_factory, sandbox_sis_shared
from tests.recorder import recorder_factory

__all__ = ["recorder_factory", "sandbox_sis", "sandbox_sis_factory", "sandbox_sis_shared"]
