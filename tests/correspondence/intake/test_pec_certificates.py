"""A PEC signature counts only if its certificate could sign when it signed (issue 13).

The corpus envelope is certified on 2026-03-03 10:15:22+01:00. The fake provider
of tests/support/pec_signing.py signs it with certificates made here: valid,
expired before then, valid only after then, revoked before then (by a CRL the
administrator imports), and a forger's. Each verdict is checked in the pure
module, in ``ingest_eml``'s JSON and on the case page.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from correspondence.intake.smime import INVALID, VALID
from correspondence.intake.trust import (
    CHECKED,
    EXPIRED,
    NO_CRL,
    NOT_YET_VALID,
    REVOKED,
    STALE_CRL,
    UNTRUSTED,
    TrustList,
    certificate_verdict,
)
from correspondence.models import CasePage, Mailbox, Message, PecRevocationList
from correspondence.services.pec_trust import pec_crl_import, pec_trust_import
from tests.support.pec_signing import (
    CERTIFIED,
    ENVELOPE,
    ca_pem,
    crl_pem,
    envelope_signed,
    impostor_ca,
    provider_ca,
    provider_signer,
    signer_dated,
    signer_revoked,
    stranger_signer,
)

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def _expired():  # type: ignore[no-untyped-def]
    return signer_dated(_day(2024, 1, 1), _day(2025, 12, 31))


def _not_yet_valid():  # type: ignore[no-untyped-def]
    return signer_dated(_day(2026, 6, 1), _day(2030, 1, 1))


NEXT_YEAR = datetime(2027, 1, 1, tzinfo=UTC)


def _crl(revoked_on: datetime, *, next_update: datetime = NEXT_YEAR) -> bytes:
    return crl_pem(
        [(signer_revoked()[0], revoked_on)], issued=_day(2026, 11, 1), next_update=next_update
    )


def _trust(crl: bytes | None = None) -> TrustList:
    from cryptography import x509

    crls = [x509.load_pem_x509_crl(crl)] if crl else []
    return TrustList(anchors=[provider_ca()[0]], crls=crls)


@pytest.mark.parametrize(
    ("signer", "crl", "problem", "revocation"),
    [
        (provider_signer, None, "", NO_CRL),
        (_expired, None, EXPIRED, NO_CRL),
        (_not_yet_valid, None, NOT_YET_VALID, NO_CRL),
        (signer_revoked, _day(2026, 1, 10), REVOKED, CHECKED),
        (signer_revoked, _day(2026, 4, 1), "", CHECKED),  # revoked after it signed
        (stranger_signer, None, UNTRUSTED, NO_CRL),
    ],
)
def test_a_certificate_counts_only_when_valid_and_not_revoked_at_the_certified_time(
    signer: Callable, crl: datetime | None, problem: str, revocation: str
) -> None:
    trust = _trust(_crl(crl) if crl else None)
    verdict = certificate_verdict(signer()[0], at=CERTIFIED, trust=trust, now=NOW)
    assert (verdict.problem, verdict.revocation) == (problem, revocation)


def test_a_stale_crl_is_still_read_and_reported() -> None:
    trust = _trust(_crl(_day(2026, 4, 1), next_update=_day(2026, 11, 2)))
    verdict = certificate_verdict(signer_revoked()[0], at=CERTIFIED, trust=trust, now=NOW)
    assert verdict.problem == "" and verdict.revocation == STALE_CRL
    assert "due for renewal on 2026-11-02" in verdict.detail
    trust = _trust(_crl(_day(2026, 1, 10), next_update=_day(2026, 11, 2)))
    revoked = certificate_verdict(signer_revoked()[0], at=CERTIFIED, trust=trust, now=NOW)
    assert revoked.problem == REVOKED


def _ingest(tmp_path: Path, files: dict[str, bytes]) -> dict[str, dict]:
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {Path(line["file"]).name: line for line in lines}


def _envelope(signer: Callable, tag: bytes) -> bytes:
    """The corpus envelope (its identifiers made unique by ``tag``) signed by ``signer``."""
    return envelope_signed(ENVELOPE.replace(b"A1B2C3D4", tag), signer())


@pytest.mark.django_db
def test_ingest_eml_and_the_case_say_why_a_certificate_does_not_count(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator: Callable, client: Client
) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")
    pec_crl_import(data=_crl(_day(2026, 1, 10)), source="esempio.crl")
    lines = _ingest(
        tmp_path,
        {
            "a-valid.eml": _envelope(provider_signer, b"A0A0A0A0"),
            "b-expired.eml": _envelope(_expired, b"B0B0B0B0"),
            "c-not-yet-valid.eml": _envelope(_not_yet_valid, b"C0C0C0C0"),
            "d-revoked.eml": _envelope(signer_revoked, b"D0D0D0D0"),
            "e-forger.eml": _envelope(stranger_signer, b"E0E0E0E0"),
        },
    )
    pec = {name: line["pec"] for name, line in lines.items()}
    assert [p["signature"] for p in pec.values()] == [VALID, INVALID, INVALID, INVALID, INVALID]
    assert pec["a-valid.eml"]["signature_reason"] == ""
    assert pec["b-expired.eml"]["signature_reason"].startswith("expired: the signer's")
    assert pec["c-not-yet-valid.eml"]["signature_reason"].startswith("not yet valid:")
    assert pec["d-revoked.eml"]["signature_reason"].startswith("revoked: revoked on 2026-01-10")
    assert pec["e-forger.eml"]["signature_reason"].startswith("untrusted chain:")
    client.force_login(make_operator("anna", folder_mailbox.pool))
    pages = {name: _case_page(client, line["case"]) for name, line in lines.items()}
    assert "unverified PEC" not in pages["a-valid.eml"] and "certified" in pages["a-valid.eml"]
    assert "had expired at the certified time" in pages["b-expired.eml"]
    assert "was not yet valid at the certified time" in pages["c-not-yet-valid.eml"]
    assert "was revoked at the certified time" in pages["d-revoked.eml"]
    assert "not on the trust list" in pages["e-forger.eml"]
    for name in ("b-expired.eml", "c-not-yet-valid.eml", "d-revoked.eml", "e-forger.eml"):
        assert "unverified PEC" in pages[name]
    revoked = Message.objects.get(
        case__number=lines["d-revoked.eml"]["case"], kind=Message.Kind.INBOUND
    )
    assert revoked.pec["signature"] == INVALID and revoked.pec["signature_cms"] == VALID


def _case_page(client: Client, number: str) -> str:
    return client.get(CasePage.objects.get(number=number).url).content.decode()


@pytest.mark.django_db
def test_a_crl_imported_after_the_message_revokes_it_on_the_case(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator: Callable, client: Client
) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")
    lines = _ingest(tmp_path, {"revoked.eml": _envelope(signer_revoked, b"F0F0F0F0")})
    line = lines["revoked.eml"]
    assert line["pec"]["signature"] == VALID and line["pec"]["revocation"] == NO_CRL
    client.force_login(make_operator("anna", folder_mailbox.pool))
    page = _case_page(client, line["case"])
    assert "no CRL imported for this provider" in page and "unverified PEC" not in page
    pec_crl_import(data=_crl(_day(2026, 1, 10)), source="esempio.crl")
    assert "was revoked at the certified time" in _case_page(client, line["case"])


@pytest.mark.django_db
def test_a_stale_crl_is_reported_in_ingest_eml_and_on_the_case(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator: Callable, client: Client
) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")
    pec_crl_import(data=_crl(_day(2026, 4, 1), next_update=_day(2026, 11, 2)), source="old.crl")
    line = _ingest(tmp_path, {"stale.eml": _envelope(signer_revoked, b"A9A9A9A9")})["stale.eml"]
    assert line["pec"]["signature"] == VALID and line["pec"]["revocation"] == STALE_CRL
    assert "due for renewal" in line["pec"]["signature_reason"]
    client.force_login(make_operator("anna", folder_mailbox.pool))
    assert "CRL due for renewal on" in _case_page(client, line["case"])


@pytest.mark.django_db
def test_the_admin_imports_a_crl_and_refuses_one_with_a_bad_signature(
    admin_client: Client,
) -> None:
    admin_client.post("/admin/pec-trust/", {"trust_list": SimpleUploadedFile("agid.pem", ca_pem())})
    forged = crl_pem(
        [], issued=_day(2026, 11, 1), next_update=_day(2026, 12, 1), issuer=impostor_ca()
    )
    response = admin_client.post(
        "/admin/pec-trust/", {"crl": SimpleUploadedFile("forged.crl", forged)}, follow=True
    )
    page = response.content.decode()
    assert "The file was not imported" in page
    assert "signature does not verify with the certificate of" in page
    assert not PecRevocationList.objects.exists()
    stranger = crl_pem(
        [], issued=_day(2026, 11, 1), next_update=_day(2026, 12, 1), issuer=stranger_signer()
    )
    page = admin_client.post(
        "/admin/pec-trust/", {"crl": SimpleUploadedFile("x.crl", stranger)}, follow=True
    ).content.decode()
    assert "is not on the trust list" in page
    page = admin_client.post(
        "/admin/pec-trust/", {"crl": SimpleUploadedFile("junk.crl", b"junk")}, follow=True
    ).content.decode()
    assert "not a certificate revocation list" in page
    good = _crl(_day(2026, 1, 10), next_update=_day(2026, 11, 2))
    page = admin_client.post(
        "/admin/pec-trust/", {"crl": SimpleUploadedFile("esempio.crl", good)}, follow=True
    ).content.decode()
    assert "1 revoked certificates" in page and "esempio.crl" in page
    assert "out of date: import a newer CRL" in page  # its next update (2 Nov 2026) has passed
    row = PecRevocationList.objects.get()
    assert row.next_update == _day(2026, 11, 2) and row.revoked_count == 1
    older = crl_pem([], issued=_day(2026, 10, 1), next_update=_day(2027, 1, 1))
    with pytest.raises(ValueError, match="newer CRL"):
        pec_crl_import(data=older, source="older.crl")
