from sandbox.testing import sandbox_sis, sandbox_sis_factory  # noqa: F401 (fixtures)
from tests.browser import chromium  # noqa: F401 (fixture)
