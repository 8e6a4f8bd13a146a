import socket

import pytest
from django.core.exceptions import ValidationError

from connections.url_validation import (
    URL_DOES_NOT_RESOLVE,
    URL_NO_SUBDIRECTORY,
    URL_NOT_HTTPS,
    sis_url_normalise,
)

PUBLIC_IP = "93.184.216.34"
HOSTS = {
    "district.aeries.net": PUBLIC_IP,
    "aeries.mydistrict.org": PUBLIC_IP,
    "intranet.example.com": "10.0.0.1",
    "metadata.example.com": "169.254.169.254",
    "sneaky.example.com": "127.0.0.1",
    "v6private.example.com": "fd12:3456::1",
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    def getaddrinfo(host, *args, **kwargs):
        if host == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]
        if host not in HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = HOSTS[host]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://district.aeries.net/aeries", "https://district.aeries.net/aeries/"),
        ("https://district.aeries.net/aeries/", "https://district.aeries.net/aeries/"),
        ("https://district.aeries.net/aeries//", "https://district.aeries.net/aeries/"),
        ("  https://Aeries.MyDistrict.org/Aeries/ ", "https://Aeries.MyDistrict.org/Aeries/"),
        ("https://district.aeries.net:8443/aeries", "https://district.aeries.net:8443/aeries/"),
        (f"https://{PUBLIC_IP}/aeries", f"https://{PUBLIC_IP}/aeries/"),
    ],
)
def test_accepts_aeries_urls_and_normalises_slash(url, expected):
    assert sis_url_normalise(url=url, allow_insecure=False) == expected


def _code(url: str, *, allow_insecure: bool = False) -> str:
    with pytest.raises(ValidationError) as info:
        sis_url_normalise(url=url, allow_insecure=allow_insecure)
    return info.value.code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://district.aeries.net", "subdirectory"),
        ("https://district.aeries.net/", "subdirectory"),
        ("http://district.aeries.net/aeries/", "https"),
        ("ftp://district.aeries.net/aeries/", "malformed"),
        ("district.aeries.net/aeries", "malformed"),
        ("", "malformed"),
        ("https://district.aeries.net/aeries/?x=1", "query"),
        ("https://user:pw@district.aeries.net/aeries/", "query"),
        ("https://intranet.example.com/aeries/", "private"),
        ("https://10.0.0.1/aeries/", "private"),
        ("https://192.168.1.20/aeries/", "private"),
        ("https://metadata.example.com/aeries/", "private"),
        ("https://169.254.169.254/latest/", "private"),
        ("https://v6private.example.com/aeries/", "private"),
        ("https://[::1]/aeries/", "private"),
        ("https://sneaky.example.com/aeries/", "private"),
        ("https://no-such-host.invalid/aeries/", "dns"),
    ],
)
def test_rejects_bad_urls(url, code):
    assert _code(url) == code


def test_loopback_http_only_when_insecure_allowed():
    assert _code("http://127.0.0.1:8765/aeries/") == "private"
    assert (
        sis_url_normalise(url="http://127.0.0.1:8765/aeries", allow_insecure=True)
        == "http://127.0.0.1:8765/aeries/"
    )
    assert sis_url_normalise(url="http://localhost:8765/aeries/", allow_insecure=True)


def test_insecure_setting_still_refuses_private_and_public_http():
    assert _code("http://10.0.0.1/aeries/", allow_insecure=True) == "private"
    assert _code("http://district.aeries.net/aeries/", allow_insecure=True) == "https"
    assert _code("https://169.254.169.254/aeries/", allow_insecure=True) == "private"


def test_setting_is_the_default(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True
    assert sis_url_normalise(url="http://127.0.0.1:9999/aeries") == "http://127.0.0.1:9999/aeries/"


def test_messages_tell_the_fix():
    assert "sub-directory" in URL_NO_SUBDIRECTORY and "https://" in URL_NOT_HTTPS
    assert "does not resolve" in URL_DOES_NOT_RESOLVE
