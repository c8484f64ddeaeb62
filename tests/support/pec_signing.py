"""A fake PEC provider for tests: a CA, a signing certificate, and envelopes it signs.

Certificates are made with ``cryptography`` at first use (nothing is stored in
the repository); ``envelope_signed`` re-signs a corpus envelope exactly as a
provider does: ``multipart/signed`` with a detached ``smime.p7s``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

Keyed = tuple[x509.Certificate, rsa.RSAPrivateKey]
# The corpus's provider envelope the tests re-sign, and the time its daticert.xml certifies.
ENVELOPE = (
    Path(__file__).resolve().parents[2] / "fixtures/mail/17-pec-posta-certificata.eml"
).read_bytes()
CERTIFIED = datetime(2026, 3, 3, 9, 15, 22, tzinfo=UTC)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gestore PEC di Esempio S.p.A."),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _certificate(
    common: str,
    issuer: Keyed | None,
    *,
    ca: bool,
    valid_from: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    valid_until: datetime | None = None,
    path_length: int | None = None,
) -> Keyed:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = valid_from
    signer_cert, signer_key = issuer if issuer is not None else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(signer_cert.subject if signer_cert is not None else _name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(valid_until or now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
    )
    return builder.sign(signer_key, hashes.SHA256()), key


@cache
def provider_ca() -> Keyed:
    """The fake provider's root, the certificate a trust list would hold."""
    return _certificate("Esempio PEC CA", None, ca=True)


@cache
def provider_signer() -> Keyed:
    """The provider's signing certificate, issued by ``provider_ca``."""
    return _certificate("posta-certificata@pec.example.it", provider_ca(), ca=False)


@cache
def stranger_signer() -> Keyed:
    """A self-made certificate no trust list holds (a forger's)."""
    return _certificate("Forger PEC", None, ca=False)


@cache
def signer_dated(valid_from: datetime, valid_until: datetime) -> Keyed:
    """A signing certificate of the provider valid only from ``valid_from`` to ``valid_until``."""
    return _certificate(
        "posta-certificata@pec.example.it",
        provider_ca(),
        ca=False,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@cache
def signer_revoked() -> Keyed:
    """A signing certificate of the provider that ``crl_pem`` can list as revoked."""
    return _certificate("posta-certificata@pec.example.it", provider_ca(), ca=False)


# The intermediate CAs of ``intermediate_ca``: (valid from, valid until, a CA?).
INTERMEDIATES = {
    "good": (datetime(2025, 1, 1, tzinfo=UTC), None, True),
    "not a CA": (datetime(2025, 1, 1, tzinfo=UTC), None, False),
    "expired": (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC), True),
    "revoked": (datetime(2025, 1, 1, tzinfo=UTC), None, True),  # for a CRL of the root
}


@cache
def intermediate_ca(kind: str) -> Keyed:
    """An intermediate CA of the provider under ``provider_ca`` (as "ArubaPEC CA 2"
    is under its root), one per ``INTERMEDIATES`` kind."""
    valid_from, valid_until, ca = INTERMEDIATES[kind]
    return _certificate(
        f"Esempio PEC CA 2 ({kind})",
        provider_ca(),
        ca=ca,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@cache
def chained_signer(kind: str) -> Keyed:
    """A signing certificate issued by ``intermediate_ca(kind)``, valid 2025-2035."""
    return _certificate("posta-certificata@pec.example.it", intermediate_ca(kind), ca=False)


@cache
def impostor_ca() -> Keyed:
    """A CA with the provider CA's very name but another key: its CRLs must be refused."""
    return _certificate("Esempio PEC CA", None, ca=True)


def crl_pem(
    revoked: list[tuple[x509.Certificate, datetime]],
    *,
    issued: datetime,
    next_update: datetime,
    issuer: Keyed | None = None,
) -> bytes:
    """A CRL of the provider's CA (or ``issuer``) listing ``revoked`` with their dates."""
    ca_cert, ca_key = issuer or provider_ca()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(issued)
        .next_update(next_update)
    )
    for certificate, when in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(when)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def ca_pem() -> bytes:
    return provider_ca()[0].public_bytes(serialization.Encoding.PEM)


def envelope_signed(
    raw: bytes, signer: Keyed | None = None, carried: tuple[x509.Certificate, ...] = ()
) -> bytes:
    """``raw`` (a message, or a provider envelope whose stand-in signature is
    dropped) signed whole by ``signer`` as a detached S/MIME signature that
    carries the ``carried`` certificates too (a provider's intermediate CAs)."""
    cert, key = signer or provider_signer()
    head, body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    content_type = re.search(rb"^content-type:.*(?:\r?\n[ \t].*)*", head, re.I | re.M)
    assert content_type is not None
    inner = (
        _first_signed_part(content_type.group(0), body) or content_type.group(0) + b"\n\n" + body
    )
    kept = re.sub(
        rb"^(?:content-type|mime-version):.*(?:\r?\n[ \t].*)*\r?\n?",
        b"",
        head + b"\n",
        flags=re.I | re.M,
    )
    builder = pkcs7.PKCS7SignatureBuilder().set_data(inner).add_signer(cert, key, hashes.SHA256())
    for certificate in carried:
        builder = builder.add_certificate(certificate)
    signed = builder.sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
    return kept.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + signed


def _first_signed_part(content_type: bytes, body: bytes) -> bytes | None:
    if b"multipart/signed" not in content_type.lower():
        return None
    boundary = re.search(rb'boundary="?([^";\s]+)"?', content_type)
    assert boundary is not None
    delimiter = b"--" + boundary.group(1)
    return body.split(delimiter)[1].strip(b"\r\n")
