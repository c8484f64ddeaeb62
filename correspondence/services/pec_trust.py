"""The PEC trust list: providers' certificates and their CRLs, and what a PEC message proves.

A PEC message is *certified* only when its provider's S/MIME signature is valid
(checked at intake, kept in ``Message.pec``), the signer is on the trust list an
administrator imported (AgID's list of certified providers, or a PEM bundle),
and the signer's certificate was valid and not revoked at the certified time
(``correspondence.intake.trust``; CRLs are imported as files, there is no network).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from correspondence.intake.smime import ABSENT, VALID, certificates_in
from correspondence.intake.trust import (
    EXPIRED,
    NO_CRL,
    NOT_YET_VALID,
    REVOKED,
    STALE_CRL,
    UNTRUSTED,
    TrustList,
    certificate_verdict,
    certificates_loaded,
    crl_loaded,
    crl_verified,
)
from correspondence.models import PecRevocationList, PecTrustedCertificate


@dataclass(frozen=True)
class Certification:
    """What a PEC message's badge says: certified or not, and why not."""

    certified: bool
    signer: str
    trusted: bool
    reason: str  # for the operator, translated
    detail: str = ""  # what the verification found, technical (English), for a tooltip
    note: str = ""  # of a certified message: how revocation was (not) checked, translated
    chain: tuple[str, ...] = ()  # the signer's issuers up to the trust list (RFC 4514)


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


def pec_trust_list() -> TrustList:
    """The trust list's certificates and the CRLs imported for them."""
    crls = [
        x509.load_der_x509_crl(bytes(der))
        for der in PecRevocationList.objects.values_list("der", flat=True)
    ]
    return TrustList(anchors=pec_trust_anchors(), crls=crls)


def pec_crl_import(*, data: bytes, source: str) -> PecRevocationList:
    """Imports a CRL file (PEM or DER) of a provider on the trust list; it replaces
    that issuer's older CRL.

    Raises ValueError, saying why, and changes nothing when the file is not a
    CRL, its issuer is not on the trust list, its signature does not verify
    with the issuer's certificate, or it is older than the one already kept.
    """
    crl = crl_loaded(data)
    anchor = crl_verified(crl, pec_trust_anchors())
    issuer = anchor.subject.rfc4514_string()[:1000]
    with transaction.atomic():
        kept = PecRevocationList.objects.select_for_update().filter(issuer=issuer).first()
        if kept is not None and kept.last_update > crl.last_update_utc:
            raise ValueError(_("a newer CRL of this issuer is already imported"))
        row = kept or PecRevocationList(issuer=issuer)
        row.der = crl.public_bytes(serialization.Encoding.DER)
        row.last_update = crl.last_update_utc
        row.next_update = crl.next_update_utc
        row.revoked_count = len(crl)
        row.source = source[:255]
        row.save()
    return row


_PROBLEMS = {
    EXPIRED: gettext_lazy("the provider's certificate had expired at the certified time"),
    NOT_YET_VALID: gettext_lazy(
        "the provider's certificate was not yet valid at the certified time"
    ),
    REVOKED: gettext_lazy("the provider's certificate was revoked at the certified time"),
    UNTRUSTED: gettext_lazy("the signer is not on the trust list of certified providers"),
}


def pec_certification(
    *, pec: dict[str, Any], trust: TrustList, arrived_at: datetime | None = None
) -> Certification:
    """The badge of a PEC message from what intake recorded and today's trust list and
    CRLs: a signature is checked again, so a CRL imported later counts too."""
    status = pec.get("signature") or ABSENT
    cms = pec.get("signature_cms") or status
    signer = pec.get("signer") or ""
    detail = pec.get("signature_reason") or ""
    if cms == ABSENT:
        return Certification(False, signer, False, _("the provider's signature is missing"))
    pem = pec.get("signer_certificate")
    if cms != VALID or not pem:
        return Certification(
            False, signer, False, _("the provider's signature is not valid"), detail
        )
    certified_at = parse_datetime(pec.get("certified_at") or "") or arrived_at or timezone.now()
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    intermediates = certificates_loaded(pec.get("signer_intermediates") or [])
    verdict = certificate_verdict(
        certificate, at=certified_at, trust=trust, now=timezone.now(), intermediates=intermediates
    )
    if verdict.problem:
        return Certification(False, signer, False, str(_PROBLEMS[verdict.problem]), verdict.detail)
    return Certification(
        True,
        signer,
        True,
        "",
        verdict.detail,
        _revocation_note(verdict.revocation, verdict.crl_next_update),
        verdict.issuers,
    )


def _revocation_note(revocation: str, next_update: datetime | None) -> str:
    if revocation == NO_CRL:
        return _("revocation not checked: no CRL imported for this provider")
    if revocation == STALE_CRL and next_update is not None:
        when = date_format(timezone.localtime(next_update), "SHORT_DATE_FORMAT")
        return _("revocation checked against a CRL due for renewal on %(date)s") % {"date": when}
    return ""
