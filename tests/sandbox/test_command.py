import signal
import subprocess
import sys
from pathlib import Path

import requests

from sandbox.auth import Credentials

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def banner_read(process: subprocess.Popen) -> dict[str, str]:
    lines: list[str] = []
    while not lines or "Ctrl-C" not in lines[-1]:
        line = process.stdout.readline()
        assert line, "".join(lines)
        lines.append(line)
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines[1:-1])}


def test_sandbox_sis_command_prints_credentials_and_serves():
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            str(MANAGE),
            "sandbox_sis",
            "--port",
            "0",
            "--students",
            "100",
            "--seed",
            "2",
            "--mutate",
            "4",
            "--disable",
            "master_schedule",
            "--max-limit",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = banner_read(process)
        base_url = banner["Base URL"]
        credentials = Credentials.for_seed(2)
        assert banner["Consumer ID"] == credentials.client_id
        assert banner["Secret"] == credentials.client_secret
        assert banner["Certificate"] == credentials.certificate
        info = requests.get(base_url + "_sandbox/info", timeout=5).json()
        assert info["counts"]["role_student"] == 101
        assert info["mutations"] == 1
        assert info["permissions"]["master_schedule"] is False
        assert info["settings"]["max_limit"] == 50
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Stopping" in output
