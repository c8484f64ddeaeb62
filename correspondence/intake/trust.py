"""Whether a PEC provider's signing certificate could sign when it signed.

Pure: certificates, CRLs and times in, a verdict out. ``smime`` says whether a
signature is mathematically right; this module says whether its certificate
counts (AgID's regole tecniche, and RFC 5280 section 6 in the small):

- it chains to the trust list an administrator imported: the certificate is
  on it, or issued by one on it, or by intermediate CAs the signature carries
  (a provider signs with "ArubaPEC CA 2" under a root; ``chains``), else
  ``untrusted chain``;
- every certificate of that path (signer, intermediates, the trust list's)
  was valid at the certified time (the time under the provider's signature,
  else when the message arrived): else ``expired`` or ``not yet valid``;
- none was revoked by then, by the CRLs an administrator imported (there is
  no network here): a certificate revoked before the certified time gives
  ``revoked``; one revoked later signed while it was good.

A CRL is accepted only when its issuer is on the trust list and its signature
verifies with that certificate (``crl_verified``), so revocation is checked on
the links whose issuer is on the list; below an intermediate it is not (an
administrator who wants it puts the intermediate on the trust list too). A CRL past its next update
is still read, and the verdict says so (``revocation``): it is reported, not
silently trusted.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
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
    ``detail`` says why in English; ``revocation`` how revocation was checked;
    ``issuers`` the subjects (RFC 4514) above the signer on the path judged, from
    its issuer up to the trust list's certificate."""

    problem: str
    detail: str = ""
    revocation: str = NO_CRL
    crl_next_update: datetime | None = None
    issuers: tuple[str, ...] = ()


def signature_checked(
    check: SignatureCheck, *, at: datetime, trust: TrustList, now: datetime
) -> SignatureCheck:
    """``check`` with its certificate checked: a valid signature whose certificate
    does not count becomes invalid, its reason the problem and why."""
    if check.status != VALID or not check.certificate_pem:
        return replace(check, cms=check.status)
    certificate = x509.load_pem_x509_certificate(check.certificate_pem.encode("ascii"))
    intermediates = certificates_loaded(check.intermediates_pem)
    verdict = certificate_verdict(
        certificate, at=at, trust=trust, now=now, intermediates=intermediates
    )
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
    certificate: x509.Certificate,
    *,
    at: datetime,
    trust: TrustList,
    now: datetime,
    intermediates: Sequence[x509.Certificate] = (),
) -> CertificateVerdict:
    """The verdict on a signer's ``certificate`` for a signature made ``at``.

    ``intermediates`` are the other certificates the signature carries; the
    paths up to the trust list are built from them (``chains``). The verdict is
    that of the first path on which every certificate counts, else the problem
    of the first path found.
    """
    paths = chains(certificate, intermediates=intermediates, anchors=trust.anchors)
    if not paths:
        return CertificateVerdict(
            UNTRUSTED, "the signer's certificate does not chain to the trust list"
        )
    verdicts = [_path_verdict(path, at=at, trust=trust, now=now) for path in paths]
    return next((verdict for verdict in verdicts if not verdict.problem), verdicts[0])


def _path_verdict(
    path: list[x509.Certificate], *, at: datetime, trust: TrustList, now: datetime
) -> CertificateVerdict:
    issuers = tuple(certificate.subject.rfc4514_string() for certificate in path[1:])
    return replace(_path_problem(path, at=at, trust=trust, now=now), issuers=issuers)


def _path_problem(
    path: list[x509.Certificate], *, at: datetime, trust: TrustList, now: datetime
) -> CertificateVerdict:
    for index, certificate in enumerate(path):
        role = _role(path, index)
        if at < certificate.not_valid_before_utc:
            since = certificate.not_valid_before_utc.isoformat()
            return CertificateVerdict(NOT_YET_VALID, f"{role} is valid from {since}")
        if at > certificate.not_valid_after_utc:
            until = certificate.not_valid_after_utc.isoformat()
            return CertificateVerdict(EXPIRED, f"{role} expired on {until}")
    return _path_revocation(path, at=at, trust=trust, now=now)


def _role(path: list[x509.Certificate], index: int) -> str:
    """How the verdict's detail names the certificate at ``index`` of ``path``."""
    if index == 0:
        return "the signer's certificate"
    if index == len(path) - 1:
        return "the issuer's certificate"
    return f"the intermediate certificate {path[index].subject.rfc4514_string()}"


def _path_revocation(
    path: list[x509.Certificate], *, at: datetime, trust: TrustList, now: datetime
) -> CertificateVerdict:
    """Each certificate of ``path`` checked against the CRLs of its issuer.

    Only an issuer on the trust list can have CRLs (``crl_verified``), so the
    link below an intermediate is never checked and the verdict then says
    ``no CRL``: it reports the weakest check of the path.
    """
    if len(path) == 1:  # the signer is itself on the trust list
        return _revocation(path[0], at=at, crls=trust.crls, now=now)
    verdicts: list[CertificateVerdict] = []
    for index, (child, issuer) in enumerate(itertools.pairwise(path)):
        crls = trust.crls if issuer in trust.anchors else []
        verdict = _revocation(child, at=at, crls=crls, now=now)
        if verdict.problem:
            named = verdict.detail if index == 0 else f"{_role(path, index)}: {verdict.detail}"
            return replace(verdict, detail=named)
        verdicts.append(verdict)
    weakest = min(verdicts, key=lambda verdict: _STRENGTH[verdict.revocation])
    detail = "; ".join(sorted({verdict.detail for verdict in verdicts if verdict.detail}))
    return replace(weakest, detail=detail)


_STRENGTH = {NO_CRL: 0, STALE_CRL: 1, CHECKED: 2}


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


# --- paths ----------------------------------------------------------------------

_MAX_INTERMEDIATES = 5  # between a signer and the trust list; a PEC provider has one or two
_MAX_BAG = 16  # certificates of a signature tried as intermediates
_MAX_CHECKS = 64  # signature verifications per search: a crafted bag cannot make it slow
_MAX_PATHS = 4  # paths judged: cross-certified or renewed CAs give a few


@dataclass
class _Search:
    """One bounded depth-first search from a signer's certificate to the trust list."""

    anchors: list[x509.Certificate]
    bag: list[x509.Certificate]
    checks_left: int = _MAX_CHECKS
    found: list[list[x509.Certificate]] = field(default_factory=list)

    def issued(self, child: x509.Certificate, issuer: x509.Certificate) -> bool:
        """Whether ``issuer`` issued ``child``, while verifications are left."""
        if child.issuer != issuer.subject or self.checks_left <= 0:
            return False
        self.checks_left -= 1
        return _issued_by(child, issuer)


def chains(
    certificate: x509.Certificate,
    *,
    intermediates: Sequence[x509.Certificate],
    anchors: list[x509.Certificate],
) -> list[list[x509.Certificate]]:
    """The paths from ``certificate`` up to the trust list (RFC 5280 section 6 in
    the small), each from ``certificate`` to a certificate of ``anchors``; just
    ``[certificate]`` when it is on the list itself.

    On each link the issuer's subject is the child's issuer and the issuer's key
    verifies the child's signature. An intermediate (one of ``intermediates``)
    must be a CA allowed to sign certificates, with a path length that admits
    the intermediates below it; so must an anchor above an intermediate. A path
    never repeats a certificate and has at most ``_MAX_INTERMEDIATES``
    intermediates; the search stops after ``_MAX_CHECKS`` verifications or
    ``_MAX_PATHS`` paths. Validity and revocation are ``certificate_verdict``'s.
    """
    if certificate in anchors:
        return [[certificate]]
    bag = [c for c in intermediates[:_MAX_BAG] if c not in anchors and c != certificate]
    search = _Search(anchors=anchors, bag=bag)
    _paths_extend(search, [certificate])
    return search.found


def _paths_extend(search: _Search, path: list[x509.Certificate]) -> None:
    """Adds to ``search.found`` the paths that continue ``path`` (signer first)."""
    below = len(path) - 1  # intermediates between the next issuer and the signer
    for anchor in search.anchors:
        if len(search.found) >= _MAX_PATHS:
            return
        if (below == 0 or _may_issue(anchor, below)) and search.issued(path[-1], anchor):
            search.found.append([*path, anchor])
    if below >= _MAX_INTERMEDIATES:
        return
    for issuer in search.bag:
        if len(search.found) >= _MAX_PATHS:
            return
        if issuer not in path and _may_issue(issuer, below) and search.issued(path[-1], issuer):
            _paths_extend(search, [*path, issuer])


def _may_issue(certificate: x509.Certificate, below: int) -> bool:
    """Whether ``certificate`` is a CA that may sign certificates, with ``below``
    intermediates under it (RFC 5280 sections 4.2.1.9 and 4.2.1.3)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):  # ValueError: malformed extensions
        return False
    if not constraints.ca:
        return False
    if constraints.path_length is not None and below > constraints.path_length:
        return False
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def signer_trusted(
    certificate_pem: str | None,
    trusted: list[x509.Certificate],
    intermediates_pem: Sequence[str] = (),
) -> bool:
    """True when the signer's certificate is on the trust list or chains to it
    through ``intermediates_pem`` (``chains``; validity and revocation aside)."""
    if not certificate_pem:
        return False
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    except ValueError:
        return False
    intermediates = certificates_loaded(intermediates_pem)
    return bool(chains(certificate, intermediates=intermediates, anchors=trusted))


def certificates_loaded(pems: Sequence[str]) -> list[x509.Certificate]:
    """The certificates of ``pems`` that load; the others are left out."""
    loaded: list[x509.Certificate] = []
    for pem in pems:
        try:
            loaded.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except ValueError:
            continue
    return loaded


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
