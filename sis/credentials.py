"""What a client needs to reach one SIS; built by the Connection model, never persisted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CredentialKind = Literal["oneroster", "aeries_api"]
CREDENTIAL_KINDS: tuple[str, ...] = ("oneroster", "aeries_api")


def base_url_normalise(url: str) -> str:
    """Trim and end with exactly one slash, so `{base}token` and `{base}api/v5/` join.

    Case is kept: Aeries installations may match the sub-directory case-sensitively.
    """
    return url.strip().rstrip("/") + "/"


def _mask(value: str) -> str:
    return "***" if value else "''"


@dataclass(frozen=True, slots=True)
class SisCredentials:
    kind: CredentialKind
    base_url: str
    client_id: str = field(default="")
    client_secret: str = field(default="", repr=False)
    certificate: str = field(default="", repr=False)
    school_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CREDENTIAL_KINDS:
            raise ValueError(f"unknown SIS connection kind {self.kind!r}")
        object.__setattr__(self, "base_url", base_url_normalise(self.base_url))
        codes = tuple(str(code).strip() for code in self.school_codes if str(code).strip())
        object.__setattr__(self, "school_codes", codes)

    def __repr__(self) -> str:
        # The default repr would print secrets into tracebacks and log lines.
        return (
            f"SisCredentials(kind={self.kind!r}, base_url={self.base_url!r}, "
            f"client_id={self.client_id!r}, client_secret={_mask(self.client_secret)}, "
            f"certificate={_mask(self.certificate)}, school_codes={self.school_codes!r})"
        )

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line or an error message."""
        return tuple(value for value in (self.client_secret, self.certificate) if value)
