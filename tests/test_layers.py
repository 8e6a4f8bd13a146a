"""The layers of docs/architecture.md hold, and lint-imports would catch a break."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sis", "audit", "connections", "rostering", "sandbox", "config")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """The project's packages and contracts, copied so that a test may break them."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("sis/http.py", "import django.conf", "no Django"),
        ("connections/models.py", "import rostering.models", "One direction"),
        ("audit/services.py", "from connections import crypto", "One direction"),
        ("sandbox/data.py", "import rostering.models", "sandbox SIS imports nothing"),
        ("rostering/tasks.py", "import sandbox.server", "never imports the sandbox"),
    ],
)
def test_an_upward_import_breaks_a_contract(tree_copy, module, line, broken):
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{line}  # an upward import\n")
    result = _lint_imports(tree_copy)
    assert result.returncode == 1
    assert broken in result.stdout and "BROKEN" in result.stdout
