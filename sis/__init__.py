"""SIS clients: OneRoster 1.1 and the Aeries native API, behind one SisClient protocol."""

from __future__ import annotations

from typing import Any

from sis.aeries_api import AeriesApiClient
from sis.base import ClientOptions, SisClient
from sis.credentials import SisCredentials
from sis.oneroster import OneRosterClient

__all__ = [
    "AeriesApiClient",
    "ClientOptions",
    "OneRosterClient",
    "SisClient",
    "SisCredentials",
    "client_for",
]


def client_for(credentials: SisCredentials, **options: Any) -> SisClient:
    """The client for the credentials' kind; options are ClientOptions field names."""
    client_options = ClientOptions(**options)
    if credentials.kind == "oneroster":
        return OneRosterClient(credentials=credentials, options=client_options)
    return AeriesApiClient(credentials=credentials, options=client_options)
