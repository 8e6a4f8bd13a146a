import socket

import pytest

PUBLIC_IP = "93.184.216.34"


def dns_answers(monkeypatch, table: dict[str, str], *, default: str | None = None) -> None:
    """socket.getaddrinfo answers from `table` (host -> address), else `default`, else
    "Name or service not known": the SIS client's default resolver asks it too."""

    def getaddrinfo(host, *args, **kwargs):
        address = table.get(host, default)
        if address is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to one public address."""
    dns_answers(monkeypatch, {}, default=PUBLIC_IP)


def connection_form_data(district, **overrides) -> dict:
    """The admin's connection form, filled in for a OneRoster connection."""
    data = {
        "district": district.pk,
        "name": "Aeries OneRoster",
        "kind": "oneroster",
        "enabled": "on",
        "base_url": "https://district.aeries.net/aeries",
        "client_id": "consumer-id-123",
        "new_client_secret": "consumer-secret-value",
        "new_certificate": "",
        "school_codes": "",
        "token_url": "",
        "api_root": "",
        "relationship_codes": "",
        "notes": "",
    }
    return {**data, **overrides}
