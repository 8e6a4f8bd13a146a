"""Measure generation time, memory and /users serving speed of the sandbox SIS.

    .venv/bin/python -m sandbox.measure --students 100000

The server runs in this process (one core: the GIL); a client in a child process
pages through `/users?limit=1000` over one keep-alive connection, twice, and the
best pass is reported, in wall time and in server CPU time.
"""

import argparse
import http.client
import json
import resource
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests

from sandbox.auth import SCOPES
from sandbox.data import generate_district
from sandbox.server import SandboxServer


def client_run(base_url: str, token: str, limit: int) -> dict:
    """Fetch every page of /users; runs in the child process."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    offset, total, records, size = 0, None, 0, 0
    started = time.perf_counter()
    while total is None or offset < total:
        conn.request(
            "GET",
            f"{parts.path}ims/oneroster/v1p1/users?limit={limit}&offset={offset}",
            headers=headers,
        )
        response = conn.getresponse()
        body = response.read()
        total = int(response.getheader("X-Total-Count"))
        records += min(limit, total - offset)
        size += len(body)
        offset += limit
    return {"records": records, "bytes": size, "seconds": time.perf_counter() - started}


def serve_measure(server: SandboxServer, limit: int, passes: int) -> dict:
    token = requests.post(
        f"{server.base_url}token",
        auth=(server.client_id, server.client_secret),
        data={"grant_type": "client_credentials", "scope": SCOPES[0]},
        timeout=10,
    ).json()["access_token"]
    best: dict = {}
    for _ in range(passes):
        cpu = time.process_time()
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox.measure",
                "--client",
                server.base_url,
                token,
                str(limit),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout)
        result["server_cpu_seconds"] = time.process_time() - cpu
        if not best or result["seconds"] < best["seconds"]:
            best = result
    best["records_per_second_wall"] = round(best["records"] / best["seconds"])
    best["records_per_second_server_cpu"] = round(best["records"] / best["server_cpu_seconds"])
    return best


def measure(students: int, seed: int, limit: int, passes: int) -> dict:
    started = time.perf_counter()
    district = generate_district(students, seed)
    generated = time.perf_counter() - started
    server = SandboxServer(students=students, seed=seed, district=district)
    indexed = time.perf_counter() - started - generated
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with server:
        serving = serve_measure(server, limit, passes)
    return {
        "students": students,
        "counts": district.counts(),
        "generate_seconds": round(generated, 1),
        "serialize_seconds": round(indexed, 1),
        "peak_rss_mb": round(rss_mb),
        "serving": serving,
    }


def main() -> None:
    if sys.argv[1:2] == ["--client"]:
        print(json.dumps(client_run(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(measure(args.students, args.seed, args.limit, args.passes), indent=2))


if __name__ == "__main__":
    main()
