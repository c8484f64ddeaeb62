"""A PEC signature chains through the intermediate CAs it carries up to the trust list.

Real providers sign with a certificate issued by an intermediate CA ("ArubaPEC
CA 2" under a root) and put the intermediate in the signature; the trust list
holds the root. The fake provider of tests/support/pec_signing.py does the
same (``intermediate_ca``, ``chained_signer``). The corpus envelope is
certified on 2026-03-03 10:15:22+01:00.
"""

import pickle
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.test import Client

from correspondence.intake.smime import INVALID, VALID, verify_message
from correspondence.intake.trust import (
    CHECKED,
    EXPIRED,
    NO_CRL,
    REVOKED,
    UNTRUSTED,
    CertificateVerdict,
    TrustList,
    certificate_verdict,
    chains,
    signer_trusted,
)
from correspondence.models import CasePage, Mailbox
from correspondence.services.pec_trust import pec_crl_import, pec_trust_import
from tests.support.pec_signing import (
    CERTIFIED,
    ENVELOPE,
    ca_pem,
    chained_signer,
    crl_pem,
    envelope_signed,
    intermediate_ca,
    provider_ca,
)

NOW = datetime(2026, 11, 29, tzinfo=UTC)
INTERMEDIATE = "CN=Esempio PEC CA 2 ({kind}),O=Gestore PEC di Esempio S.p.A.,C=IT"


def _root_crl() -> bytes:
    """A CRL of the root revoking the "revoked" intermediate on 2026-01-10."""
    revoked = [(intermediate_ca("revoked")[0], datetime(2026, 1, 10, tzinfo=UTC))]
    issued, next_update = datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    return crl_pem(revoked, issued=issued, next_update=next_update)


def _verdict(kind: str, *, carried: bool = True, crl: bool = False) -> CertificateVerdict:
    crls = [x509.load_pem_x509_crl(_root_crl())] if crl else []
    trust = TrustList(anchors=[provider_ca()[0]], crls=crls)
    intermediates = [intermediate_ca(kind)[0]] if carried else []
    signer = chained_signer(kind)[0]
    return certificate_verdict(
        signer, at=CERTIFIED, trust=trust, now=NOW, intermediates=intermediates
    )


def test_a_signer_under_an_intermediate_counts_with_the_root_alone_on_the_trust_list() -> None:
    verdict = _verdict("good", crl=True)
    # The root's CRL checks the intermediate; nobody's CRL can check the signer.
    assert (verdict.problem, verdict.revocation) == ("", NO_CRL)
    root = provider_ca()[0].subject.rfc4514_string()
    assert verdict.issuers == (INTERMEDIATE.format(kind="good"), root)
    assert _verdict("good").problem == ""


def test_without_its_intermediate_the_signer_does_not_chain() -> None:
    verdict = _verdict("good", carried=False)
    assert verdict.problem == UNTRUSTED


def test_an_end_entity_certificate_cannot_stand_as_an_intermediate() -> None:
    assert _verdict("not a CA").problem == UNTRUSTED


def test_an_intermediate_expired_at_the_certified_time_is_named() -> None:
    verdict = _verdict("expired")
    assert verdict.problem == EXPIRED
    assert verdict.detail == (
        f"the intermediate certificate {INTERMEDIATE.format(kind='expired')} "
        "expired on 2025-12-31T00:00:00+00:00"
    )


def test_an_intermediate_revoked_by_the_roots_crl_is_revoked() -> None:
    verdict = _verdict("revoked", crl=True)
    assert (verdict.problem, verdict.revocation) == (REVOKED, CHECKED)
    assert verdict.detail.startswith(
        f"the intermediate certificate {INTERMEDIATE.format(kind='revoked')}"
    )
    assert "revoked on 2026-01-10" in verdict.detail
    assert _verdict("revoked").problem == ""  # without the CRL nothing says so


def test_the_signature_carries_its_other_certificates_and_still_pickles() -> None:
    signed = envelope_signed(ENVELOPE, chained_signer("good"), (intermediate_ca("good")[0],))
    check = verify_message(signed)
    assert check.status == VALID and len(check.intermediates_pem) == 1
    assert (
        x509.load_pem_x509_certificate(check.intermediates_pem[0].encode())
        == intermediate_ca("good")[0]
    )
    assert pickle.loads(pickle.dumps(check, protocol=5)) == check
    anchors = [provider_ca()[0]]
    assert signer_trusted(check.certificate_pem, anchors, check.intermediates_pem)
    assert not signer_trusted(check.certificate_pem, anchors)


# --- crafted bags: bounded, never looping -----------------------------------------


def _ec_name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ec_certificate(
    subject: str,
    issuer: str,
    key: ec.EllipticCurvePrivateKey,
    signing_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = True,
    path_length: int | None = None,
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    days: int = 3650,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_ec_name(subject))
        .issuer_name(_ec_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .sign(signing_key, hashes.SHA256())
    )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_a_bag_of_mutually_issuing_cas_ends_quickly_untrusted() -> None:
    # Twenty CAs of one name and one key: each verifies as the issuer of every
    # other (and of itself), a graph of loops with 20^5 paths of five links.
    key, root_key = _key(), _key()
    bag = [_ec_certificate("Loop CA", "Loop CA", key, key) for _ in range(20)]
    signer = _ec_certificate("signer", "Loop CA", _key(), key, ca=False)
    root = _ec_certificate("Root", "Root", root_key, root_key)
    trust = TrustList(anchors=[root])
    started = time.monotonic()
    verdict = certificate_verdict(signer, at=CERTIFIED, trust=trust, now=NOW, intermediates=bag)
    assert verdict.problem == UNTRUSTED
    assert time.monotonic() - started < 5


def test_a_signature_carrying_many_certificates_keeps_sixteen() -> None:
    # The certificates are a DER SET: their order is the encoding's, not the
    # provider's, so which sixteen are kept is arbitrary; a real chain has one or two.
    junk_key = _key()
    junk = [_ec_certificate(f"Junk {n}", "Junk", _key(), junk_key) for n in range(40)]
    check = verify_message(envelope_signed(ENVELOPE, chained_signer("good"), tuple(junk)))
    assert check.status == VALID and len(check.intermediates_pem) == 16
    assert not signer_trusted(check.certificate_pem, [provider_ca()[0]], check.intermediates_pem)


def test_two_cas_issuing_each_other_do_not_loop() -> None:
    a_key, b_key, root_key = _key(), _key(), _key()
    a = _ec_certificate("A", "B", a_key, b_key)
    b = _ec_certificate("B", "A", b_key, a_key)
    signer = _ec_certificate("signer", "A", _key(), a_key, ca=False)
    root = _ec_certificate("Root", "Root", root_key, root_key)
    assert chains(signer, intermediates=[a, b], anchors=[root]) == []


def _ladder(length: int, *, top_path_length: int | None = None) -> tuple[x509.Certificate, ...]:
    """A root, ``length`` intermediates under it one under the other, and a signer."""
    root_key = _key()
    certificates = [_ec_certificate("CA 0", "CA 0", root_key, root_key)]
    keys = [root_key]
    for level in range(1, length + 1):
        keys.append(_key())
        limit = top_path_length if level == 1 else None
        certificates.append(
            _ec_certificate(f"CA {level}", f"CA {level - 1}", keys[-1], keys[-2], path_length=limit)
        )
    signer = _ec_certificate("signer", f"CA {length}", _key(), keys[-1], ca=False)
    return signer, *certificates


def test_a_path_has_at_most_five_intermediates() -> None:
    signer, root, *intermediates = _ladder(5)
    assert len(chains(signer, intermediates=intermediates[::-1], anchors=[root])[0]) == 7
    signer, root, *intermediates = _ladder(6)
    assert chains(signer, intermediates=intermediates, anchors=[root]) == []


def test_an_intermediates_path_length_is_respected() -> None:
    signer, root, *intermediates = _ladder(2, top_path_length=0)
    assert chains(signer, intermediates=intermediates, anchors=[root]) == []
    signer, root, *intermediates = _ladder(2, top_path_length=1)
    assert len(chains(signer, intermediates=intermediates, anchors=[root])) == 1


def test_of_an_expired_intermediate_and_its_renewal_the_renewal_counts() -> None:
    # A CA renewed with the same name and key: both issued the signer; the path
    # through the renewal is the one on which every certificate counts.
    root_key, key = _key(), _key()
    root = _ec_certificate("Root", "Root", root_key, root_key)
    old_start = datetime(2024, 1, 1, tzinfo=UTC)
    expired = _ec_certificate("CA 2", "Root", key, root_key, start=old_start, days=365)
    renewed = _ec_certificate("CA 2", "Root", key, root_key)
    signer = _ec_certificate("signer", "CA 2", _key(), key, ca=False)
    trust = TrustList(anchors=[root])
    verdict = certificate_verdict(
        signer, at=CERTIFIED, trust=trust, now=NOW, intermediates=[expired, renewed]
    )
    assert verdict.problem == ""
    alone = certificate_verdict(signer, at=CERTIFIED, trust=trust, now=NOW, intermediates=[expired])
    assert alone.problem == EXPIRED and alone.detail.startswith(
        "the intermediate certificate CN=CA 2"
    )


def test_an_intermediate_on_the_trust_list_is_an_anchor_itself() -> None:
    signer = chained_signer("good")[0]
    assert chains(signer, intermediates=[], anchors=[intermediate_ca("good")[0]]) == [
        [signer, intermediate_ca("good")[0]]
    ]


# --- through intake, ingest_eml and the case page -----------------------------------


def _ingest(tmp_path: Path, files: dict[str, bytes]) -> dict[str, dict]:
    import json

    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {Path(line["file"]).name: line for line in lines}


def _envelope(kind: str, tag: bytes, *, carried: bool = True) -> bytes:
    """The corpus envelope (its identifiers made unique by ``tag``) signed under
    ``intermediate_ca(kind)``, carrying that intermediate or not."""
    bag = (intermediate_ca(kind)[0],) if carried else ()
    return envelope_signed(ENVELOPE.replace(b"A1B2C3D4", tag), chained_signer(kind), bag)


@pytest.mark.django_db
def test_intake_certifies_a_chained_envelope_and_says_why_others_do_not_count(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator: Callable, client: Client
) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")  # the root alone
    pec_crl_import(data=_root_crl(), source="root.crl")
    lines = _ingest(
        tmp_path,
        {
            "a-chained.eml": _envelope("good", b"A0A0A0A0"),
            "b-bare.eml": _envelope("good", b"B0B0B0B0", carried=False),
            "c-not-a-ca.eml": _envelope("not a CA", b"C0C0C0C0"),
            "d-expired.eml": _envelope("expired", b"D0D0D0D0"),
            "e-revoked.eml": _envelope("revoked", b"E0E0E0E0"),
        },
    )
    pec = {name: line["pec"] for name, line in lines.items()}
    assert [p["signature"] for p in pec.values()] == [VALID, INVALID, INVALID, INVALID, INVALID]
    assert lines["a-chained.eml"]["received_at"] == "2026-03-03T10:15:22+01:00"
    assert lines["b-bare.eml"]["received_at"] != "2026-03-03T10:15:22+01:00"
    assert pec["b-bare.eml"]["signature_reason"].startswith("untrusted chain:")
    assert pec["c-not-a-ca.eml"]["signature_reason"].startswith("untrusted chain:")
    assert pec["d-expired.eml"]["signature_reason"].startswith(
        "expired: the intermediate certificate CN=Esempio PEC CA 2 (expired)"
    )
    assert pec["e-revoked.eml"]["signature_reason"].startswith(
        "revoked: the intermediate certificate CN=Esempio PEC CA 2 (revoked)"
    )
    client.force_login(make_operator("anna", folder_mailbox.pool))
    pages = {name: _case_page(client, line["case"]) for name, line in lines.items()}
    assert "unverified PEC" not in pages["a-chained.eml"] and "certified" in pages["a-chained.eml"]
    # The certified badge's tooltip shows the path up to the trust list.
    assert f"← {INTERMEDIATE.format(kind='good')} ← CN=Esempio PEC CA," in pages["a-chained.eml"]
    assert "not on the trust list" in pages["b-bare.eml"]
    assert "had expired at the certified time" in pages["d-expired.eml"]
    assert "was revoked at the certified time" in pages["e-revoked.eml"]


def _case_page(client: Client, number: str) -> str:
    return client.get(CasePage.objects.get(number=number).url).content.decode()
