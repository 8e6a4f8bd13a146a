"""A private certificate authority and a certificate for the sandbox's https.

Clients trust the authority's file the way they would a district's public one, e.g.
`SIS_CA_BUNDLE=ca.pem` for the product's SIS clients (`REQUESTS_CA_BUNDLE` for plain requests).
"""

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 30


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # the authority's certificate: what clients trust
    cert: Path  # the server's certificate, for `--tls-cert`
    key: Path  # its private key, for `--tls-key`


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(*, subject, issuer, public_key, signer, extensions) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def tls_files_create(*, directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    """Writes ca.pem, cert.pem and key.pem for `host` (an IP address or a name)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Autoroster sandbox test CA")
    ca = _certificate(
        subject=ca_name, issuer=ca_name, public_key=ca_key.public_key(), signer=ca_key,
        extensions=[(x509.BasicConstraints(ca=True, path_length=0), True)],
    )  # fmt: skip
    try:
        alt_name = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt_name = x509.DNSName(host)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(
        subject=_name(host), issuer=ca_name, public_key=key.public_key(), signer=ca_key,
        extensions=[
            (x509.SubjectAlternativeName([alt_name]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
        ],
    )  # fmt: skip
    files = TlsFiles(
        ca=directory / "ca.pem", cert=directory / "cert.pem", key=directory / "key.pem"
    )
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files
