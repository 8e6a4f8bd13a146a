"""What a client needs to reach one SIS; built by the Connection model, never persisted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sis.urls import aeries_base_url

CredentialKind = Literal["oneroster", "aeries_api"]
CREDENTIAL_KINDS: tuple[str, ...] = ("oneroster", "aeries_api")
ONEROSTER_PATH = "ims/oneroster/v1p1/"


def base_url_normalise(url: str) -> str:
    """The Aeries base URL in what was pasted, ending with exactly one slash, so
    `{base}token` and `{base}api/v5/` join (see sis.urls.aeries_base_url).

    Case is kept: Aeries installations may match the sub-directory case-sensitively.
    """
    return aeries_base_url(url)[0]


def _slash(url: str) -> str:
    return url.strip().rstrip("/") + "/" if url.strip() else ""


def _mask(value: str) -> str:
    return "***" if value else "''"


@dataclass(frozen=True, slots=True)
class SisCredentials:
    """`token_url` and `api_root` (OneRoster only) default to Aeries' own:
    `{base}token` and `{base}ims/oneroster/v1p1/`. `relationship_codes` maps the
    district's contact relationship codes to parent / guardian / relative (native)."""

    kind: CredentialKind
    base_url: str
    client_id: str = field(default="")
    client_secret: str = field(default="", repr=False)
    certificate: str = field(default="", repr=False)
    school_codes: tuple[str, ...] = ()
    token_url: str = ""
    api_root: str = ""
    relationship_codes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CREDENTIAL_KINDS:
            raise ValueError(f"unknown SIS connection kind {self.kind!r}")
        object.__setattr__(self, "base_url", base_url_normalise(self.base_url))
        codes = tuple(str(code).strip() for code in self.school_codes if str(code).strip())
        object.__setattr__(self, "school_codes", codes)
        object.__setattr__(self, "token_url", self.token_url.strip())
        object.__setattr__(self, "api_root", _slash(self.api_root))

    def __repr__(self) -> str:
        # The default repr would print secrets into tracebacks and log lines.
        return (
            f"SisCredentials(kind={self.kind!r}, base_url={self.base_url!r}, "
            f"client_id={self.client_id!r}, client_secret={_mask(self.client_secret)}, "
            f"certificate={_mask(self.certificate)}, school_codes={self.school_codes!r}, "
            f"token_url={self.token_url!r}, api_root={self.api_root!r})"
        )

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line or an error message."""
        return tuple(value for value in (self.client_secret, self.certificate) if value)

    @property
    def oneroster_token_url(self) -> str:
        return self.token_url or self.base_url + "token"

    @property
    def oneroster_api_root(self) -> str:
        return self.api_root or self.base_url + ONEROSTER_PATH
