"""Fakes of an Aeries OneRoster server for the client tests (responses)."""

from __future__ import annotations

import random
import time
from urllib.parse import parse_qs, urlsplit

import orjson
import responses

from sis import OneRosterClient, client_for
from sis.credentials import SisCredentials

BASE = "https://district.example.org/aeries/"
API = BASE + "ims/oneroster/v1p1/"
TOKEN_URL = BASE + "token"
SECRET = "consumer-secret-0123456789"


def credentials(**overrides) -> SisCredentials:
    values = {
        "kind": "oneroster",
        "base_url": "https://district.example.org/aeries",
        "client_id": "consumer-id",
        "client_secret": SECRET,
    }
    return SisCredentials(**{**values, **overrides})


def client(**options) -> OneRosterClient:
    creds = options.pop("creds", None) or credentials()
    settings = {"max_retry_seconds": 1.0, "backoff_base": 0.01, "concurrency": 1, **options}
    return client_for(creds, **settings)


def add_token(*, token: str = "tok-1", expires_in: int = 3600, headers=None) -> None:
    responses.post(
        TOKEN_URL,
        json={"access_token": token, "token_type": "bearer", "expires_in": expires_in},
        headers=headers or {},
    )


def user(sourced_id: str, role: str = "student", **fields) -> dict:
    return {"sourcedId": sourced_id, "role": role, "status": "active", **fields}


def add_list(path: str, key: str, rows: list) -> FakeCollection:
    fake = FakeCollection(key, rows)
    responses.add_callback(responses.GET, API + path, callback=fake)
    return fake


class FakeCollection:
    """A OneRoster list endpoint honouring limit/offset up to a server-side cap."""

    def __init__(self, key, rows, *, cap=None, total=True, link=None, latency=0.0):
        self.key, self.rows, self.cap = key, rows, cap
        self.total, self.link, self.latency = total, link, latency
        self.offsets: list[int] = []

    def __call__(self, request):
        query = parse_qs(urlsplit(request.url).query)
        limit = int(query.get("limit", ["100"])[0])
        offset = int(query.get("offset", ["0"])[0])
        self.offsets.append(offset)
        if self.latency:
            time.sleep(random.uniform(0, self.latency))
        size = min(limit, self.cap or limit)
        page = self.rows[offset : offset + size]
        headers = {"X-Total-Count": str(len(self.rows))} if self.total else {}
        if self.link and offset + size < len(self.rows):
            path = urlsplit(request.url).path
            target = f"{path}?limit={size}&offset={offset + size}"
            url = target if self.link == "relative" else f"https://district.example.org{target}"
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, headers, orjson.dumps({self.key: page})
