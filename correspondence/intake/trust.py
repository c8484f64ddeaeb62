"""Whether a PEC provider's signing certificate could sign when it signed.

Pure: certificates, CRLs and times in, a verdict out. ``smime`` says whether a
signature is mathematically right; this module says whether its certificate
counts (AgID's regole tecniche, and RFC 5280 section 6 in the small):

- it chains to the trust list an administrator imported (the certificate is
  on it, or issued by one on it), else ``untrusted chain``;
- it and its issuer were valid at the certified time (the time under the
  provider's signature, else when the message arrived): else ``expired`` or
  ``not yet valid``;
- it was not revoked by then, by the CRLs an administrator imported (there is
  no network here): a certificate revoked before the certified time gives
  ``revoked``; one revoked later signed while it was good.

A CRL is accepted only when its issuer is on the trust list and its signature
verifies with that certificate (``crl_verified``). A CRL past its next update
is still read, and the verdict says so (``revocation``): it is reported, not
silently trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from correspondence.intake.smime import INVALID, VALID, SignatureCheck

EXPIRED, NOT_YET_VALID, REVOKED, UNTRUSTED = (
    "expired",
    "not yet valid",
    "revoked",
    "untrusted chain",
)
# What the verdict says of revocation.
CHECKED, NO_CRL, STALE_CRL = "checked", "no CRL", "stale CRL"


@dataclass(frozen=True)
class TrustList:
    """The certificates an administrator trusts, and the CRLs imported for them."""

    anchors: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateVerdict:
    """``problem`` is "" when the certificate counts, else one of the four codes above;
    ``detail`` says why in English; ``revocation`` how revocation was checked."""

    problem: str
    detail: str = ""
    revocation: str = NO_CRL
    crl_next_update: datetime | None = None


def signature_checked(
    check: SignatureCheck, *, at: datetime, trust: TrustList, now: datetime
) -> SignatureCheck:
    """``check`` with its certificate checked: a valid signature whose certificate
    does not count becomes invalid, its reason the problem and why."""
    if check.status != VALID or not check.certificate_pem:
        return replace(check, cms=check.status)
    certificate = x509.load_pem_x509_certificate(check.certificate_pem.encode("ascii"))
    verdict = certificate_verdict(certificate, at=at, trust=trust, now=now)
    if not verdict.problem:
        return replace(check, cms=VALID, revocation=verdict.revocation, reason=verdict.detail)
    return replace(
        check,
        status=INVALID,
        cms=VALID,
        problem=verdict.problem,
        revocation=verdict.revocation,
        reason=f"{verdict.problem}: {verdict.detail}",
    )


def certificate_verdict(
    certificate: x509.Certificate, *, at: datetime, trust: TrustList, now: datetime
) -> CertificateVerdict:
    """The verdict on a signer's ``certificate`` for a signature made ``at``."""
    anchor = issuing_anchor(certificate, trust.anchors)
    if anchor is None:
        return CertificateVerdict(
            UNTRUSTED, "the signer's certificate does not chain to the trust list"
        )
    for which, cert in (("signer's", certificate), ("issuer's", anchor)):
        if at < cert.not_valid_before_utc:
            since = cert.not_valid_before_utc.isoformat()
            return CertificateVerdict(
                NOT_YET_VALID, f"the {which} certificate is valid from {since}"
            )
        if at > cert.not_valid_after_utc:
            until = cert.not_valid_after_utc.isoformat()
            return CertificateVerdict(EXPIRED, f"the {which} certificate expired on {until}")
    return _revocation(certificate, at=at, crls=trust.crls, now=now)


def _revocation(
    certificate: x509.Certificate,
    *,
    at: datetime,
    crls: list[x509.CertificateRevocationList],
    now: datetime,
) -> CertificateVerdict:
    mine = [crl for crl in crls if crl.issuer == certificate.issuer]
    if not mine:
        return CertificateVerdict("", "", NO_CRL)
    crl = max(mine, key=lambda c: c.last_update_utc)
    next_update = crl.next_update_utc
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is not None and entry.revocation_date_utc <= at:
        when = entry.revocation_date_utc.isoformat()
        return CertificateVerdict(REVOKED, f"revoked on {when}", CHECKED, next_update)
    stale = next_update is not None and next_update < now
    detail = (
        f"the CRL was due for renewal on {next_update.isoformat()}" if stale and next_update else ""
    )
    return CertificateVerdict("", detail, STALE_CRL if stale else CHECKED, next_update)


def issuing_anchor(
    certificate: x509.Certificate, anchors: list[x509.Certificate]
) -> x509.Certificate | None:
    """The trust list's certificate that is ``certificate`` or issued it, if any."""
    for anchor in anchors:
        if anchor == certificate or _issued_by(certificate, anchor):
            return anchor
    return None


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def crl_loaded(data: bytes) -> x509.CertificateRevocationList:
    """A CRL file, PEM or DER. Raises ValueError when it is neither."""
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise ValueError("the file is not a certificate revocation list (PEM or DER)") from None


def crl_verified(
    crl: x509.CertificateRevocationList, anchors: list[x509.Certificate]
) -> x509.Certificate:
    """The trust list's certificate that issued and signed ``crl``.

    Raises ValueError, saying which, when no certificate of the trust list is
    the CRL's issuer or the CRL's signature does not verify with it.
    """
    issuers = [anchor for anchor in anchors if anchor.subject == crl.issuer]
    if not issuers:
        raise ValueError(
            f"the CRL's issuer ({crl.issuer.rfc4514_string()}) is not on the trust list"
        )
    for anchor in issuers:
        key = anchor.public_key()
        if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) and crl.is_signature_valid(
            key
        ):
            return anchor
    raise ValueError(
        f"the CRL's signature does not verify with the certificate of {crl.issuer.rfc4514_string()}"
    )
