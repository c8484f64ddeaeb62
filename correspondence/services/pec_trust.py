"""The PEC trust list: importing providers' certificates, and what a PEC message proves.

A PEC message is *certified* only when its provider's S/MIME signature is valid
(checked at intake, kept in ``Message.pec``) and the signer is on the trust list
an administrator imported (AgID's list of certified providers, or a PEM bundle).
"""

from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.db import transaction
from django.utils.translation import gettext as _

from correspondence.intake.smime import VALID, certificates_in, signer_trusted
from correspondence.models import PecTrustedCertificate


@dataclass(frozen=True)
class Certification:
    """What a PEC message's badge says: certified or not, and why not."""

    certified: bool
    signer: str
    trusted: bool
    reason: str  # for the operator, translated
    detail: str = ""  # what the verification found, technical (English), for a tooltip


def pec_trust_import(*, data: bytes, source: str) -> int:
    """Adds the certificates of a trust list file; returns how many were new.

    Raises ValueError when the file holds no certificate (nothing is changed).
    """
    found = certificates_in(data)
    known = set(PecTrustedCertificate.objects.values_list("fingerprint", flat=True))
    new = []
    for certificate in found:
        fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
        if fingerprint in known:
            continue
        known.add(fingerprint)
        new.append(
            PecTrustedCertificate(
                subject=certificate.subject.rfc4514_string()[:1000],
                fingerprint=fingerprint,
                pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                not_valid_after=certificate.not_valid_after_utc,
                source=source[:255],
            )
        )
    with transaction.atomic():
        PecTrustedCertificate.objects.bulk_create(new)
    return len(new)


def pec_trust_anchors() -> list[x509.Certificate]:
    """The certificates of the trust list."""
    return [
        x509.load_pem_x509_certificate(pem.encode("ascii"))
        for pem in PecTrustedCertificate.objects.values_list("pem", flat=True)
    ]


def pec_certification(*, pec: dict[str, Any], anchors: list[x509.Certificate]) -> Certification:
    """The badge of a PEC message from what intake recorded and the trust list."""
    status = pec.get("signature") or "absent"
    signer = pec.get("signer") or ""
    trusted = status == VALID and signer_trusted(pec.get("signer_certificate"), anchors)
    if status == "absent":
        reason = _("the provider's signature is missing")
    elif status != VALID:
        reason = _("the provider's signature is not valid")
    elif not trusted:
        reason = _("the signer is not on the trust list of certified providers")
    else:
        reason = ""
    detail = pec.get("signature_reason") or ""
    return Certification(trusted, signer, trusted, reason, detail)
