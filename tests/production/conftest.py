from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
