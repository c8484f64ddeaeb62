"""Verify the S/MIME signature a PEC provider puts on every envelope and receipt.

Pure: bytes in, a verdict out. The regole tecniche (DM 2 novembre 2005, art. 12)
have the provider sign the whole envelope: ``multipart/signed`` with a detached
``smime.p7s`` (RFC 8551 section 3.5.3), or ``application/pkcs7-mime`` with the
content inside. The CMS SignedData (RFC 5652) is read here with a small DER
reader; the hash and the signature are checked with ``cryptography`` (which
loads certificates but has no CMS verification API). A verdict is:

- ``valid``: the signer's certificate is in the signature, the digest of the
  signed bytes matches, and the signature over the signed attributes (or over
  the content when there are none) verifies with the certificate's key;
- ``invalid``: a signature is there but any of that fails, or cannot be read;
- ``absent``: no signature at all.

Whether the signer's certificate counts is a separate question (the trust list,
validity at the certified time, revocation: see ``trust``): a valid signature by
anyone proves nothing. The verdict keeps the other certificates the signature
carries (a provider's intermediate CAs) for that question.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import defusedxml.ElementTree as defused
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

VALID, INVALID, ABSENT = "valid", "invalid", "absent"


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one message's signature, and who signed it."""

    status: str
    signer: str | None = None  # the certificate's subject (RFC 4514), when known
    certificate_pem: str | None = None
    reason: str = ""
    # The other certificates the signature carries (PEM): the intermediate CAs a
    # provider adds so that ``trust`` can chain its certificate up to a root.
    intermediates_pem: tuple[str, ...] = ()
    # Set by ``trust.signature_checked``: the verdict on the signature alone, what
    # makes its certificate not count (expired, not yet valid, revoked, untrusted
    # chain), and how revocation was checked.
    cms: str = ""
    problem: str = ""
    revocation: str = ""


class _Malformed(ValueError):
    """The DER does not have the structure CMS SignedData requires."""


# --- a bounded DER reader -----------------------------------------------------


@dataclass(frozen=True)
class _Tlv:
    tag: int
    raw: bytes  # the whole element, header included
    value: bytes


def _read(data: bytes, offset: int = 0, depth: int = 0) -> tuple[_Tlv, int]:
    """One element at ``offset`` and the offset after it.

    DER, and the BER indefinite lengths OpenSSL writes when it streams a
    signature (the value is then the children up to the end-of-contents mark);
    nesting is bounded by ``_MAX_DEPTH``.
    """
    if offset + 2 > len(data) or depth > _MAX_DEPTH:
        raise _Malformed("truncated or too deeply nested element")
    tag, first = data[offset], data[offset + 1]
    cursor = offset + 2
    if first == 0x80 and tag & 0x20:
        start = cursor
        while data[cursor : cursor + 2] != b"\x00\x00":
            _, cursor = _read(data, cursor, depth + 1)
        return _Tlv(tag, data[offset : cursor + 2], data[start:cursor]), cursor + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or cursor + count > len(data):
            raise _Malformed("unsupported length")
        length = int.from_bytes(data[cursor : cursor + count], "big")
        cursor += count
    end = cursor + length
    if end > len(data):
        raise _Malformed("element longer than its container")
    return _Tlv(tag, data[offset:end], data[cursor:end]), end


def _octets(element: _Tlv, depth: int = 0) -> bytes:
    """The bytes of an OCTET STRING, primitive or constructed from chunks (BER)."""
    if element.tag == 0x04:
        return element.value
    if element.tag == 0x24 and depth < _MAX_DEPTH:
        return b"".join(_octets(chunk, depth + 1) for chunk in _children(element.value))
    raise _Malformed("expected an OCTET STRING")


def _children(value: bytes) -> list[_Tlv]:
    found: list[_Tlv] = []
    offset = 0
    while offset < len(value):
        element, offset = _read(value, offset)
        found.append(element)
    return found


def _oid(element: _Tlv) -> str:
    if element.tag != 0x06 or not element.value:
        raise _Malformed("expected an OID")
    first = element.value[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    number = 0
    for byte in element.value[1:]:
        number = (number << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(number)
            number = 0
    return ".".join(str(p) for p in parts)


_MAX_DEPTH = 32
_MAX_OTHERS = 16  # certificates kept besides the signer's; a real chain has one or two
_SIGNED_DATA = "1.2.840.113549.1.7.2"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1.3.14.3.2.26": hashes.SHA1,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
    "2.16.840.1.101.3.4.2.4": hashes.SHA224,
}


@dataclass(frozen=True)
class _SignedData:
    content: bytes | None  # the encapsulated content, None when detached
    certificates: list[bytes]
    serial: int
    issuer: bytes
    digest_oid: str
    signed_attrs: bytes | None  # the [0] IMPLICIT element, re-tagged as SET for hashing
    message_digest: bytes | None
    signature: bytes


def _signed_data(der: bytes) -> _SignedData:
    """The parts of a CMS ContentInfo holding SignedData that verification needs."""
    info, _ = _read(der)
    content_type, explicit = _children(info.value)[:2]
    if _oid(content_type) != _SIGNED_DATA or explicit.tag != 0xA0:
        raise _Malformed("not CMS SignedData")
    fields = _children(_children(explicit.value)[0].value)
    encapsulated = _children(fields[2].value)
    content = None
    if len(encapsulated) > 1 and encapsulated[1].tag == 0xA0:
        content = _octets(_children(encapsulated[1].value)[0])
    certificates = [c.raw for f in fields[3:] if f.tag == 0xA0 for c in _children(f.value)]
    signer = _children(fields[-1].value)[0]
    return _signer_info(_children(signer.value), content, certificates)


def _signer_info(parts: list[_Tlv], content: bytes | None, certs: list[bytes]) -> _SignedData:
    sid = parts[1]
    if sid.tag != 0x30:
        raise _Malformed("signer identified by key identifier, not issuer and serial")
    issuer, serial = _children(sid.value)[:2]
    digest_oid = _oid(_children(parts[2].value)[0])
    attrs = parts[3] if parts[3].tag == 0xA0 else None
    signature = parts[5] if attrs is not None else parts[4]
    digest = None
    if attrs is not None:
        for attribute in _children(attrs.value):
            kind, values = _children(attribute.value)[:2]
            if _oid(kind) == _MESSAGE_DIGEST:
                digest = _children(values.value)[0].value
    return _SignedData(
        content=content,
        certificates=certs,
        serial=int.from_bytes(serial.value, "big", signed=True),
        issuer=issuer.raw,
        digest_oid=digest_oid,
        signed_attrs=b"\x31" + attrs.raw[1:] if attrs is not None else None,
        message_digest=digest,
        signature=signature.value,
    )


# --- verification -------------------------------------------------------------


def verify_cms(der: bytes, detached: bytes | None) -> SignatureCheck:
    """Verify CMS SignedData ``der`` over ``detached`` (or its own content)."""
    try:
        signed = _signed_data(der)
    except (_Malformed, IndexError, ValueError) as error:
        return SignatureCheck(INVALID, reason=f"signature cannot be read: {error}")
    content = detached if detached is not None else signed.content
    certificate = _signer_certificate(signed)
    if certificate is None:
        return SignatureCheck(INVALID, reason="the signer's certificate is not in the signature")
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    signer = certificate.subject.rfc4514_string()
    verdict = _check(signed, content, certificate)
    status = VALID if not verdict else INVALID
    others = _others_pem(signed, certificate)
    return SignatureCheck(status, signer, pem, verdict, intermediates_pem=others)


def _others_pem(signed: _SignedData, signer: x509.Certificate) -> tuple[str, ...]:
    """The signature's certificates but the signer's, PEM; unreadable ones are
    skipped and at most ``_MAX_OTHERS`` kept, the first in the SET's order (every
    inbound byte is hostile)."""
    found: list[str] = []
    for der in signed.certificates:
        if len(found) == _MAX_OTHERS:
            break
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        if certificate != signer:
            found.append(certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return tuple(found)


def _signer_certificate(signed: _SignedData) -> x509.Certificate | None:
    for der in signed.certificates:
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        issuer = certificate.issuer.public_bytes()
        if certificate.serial_number == signed.serial and issuer == signed.issuer:
            return certificate
    return None


def _check(signed: _SignedData, content: bytes | None, certificate: x509.Certificate) -> str:
    """ "" when the signature holds, else why not."""
    algorithm = _HASHES.get(signed.digest_oid)
    if algorithm is None:
        return f"unsupported digest {signed.digest_oid}"
    if content is None:
        return "no signed content"
    hasher = hashes.Hash(algorithm())
    hasher.update(content)
    digest = hasher.finalize()
    if signed.signed_attrs is not None and signed.message_digest != digest:
        return "the message was changed after it was signed (digest mismatch)"
    to_verify = signed.signed_attrs if signed.signed_attrs is not None else content
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signed.signature, to_verify, padding.PKCS1v15(), algorithm())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signed.signature, to_verify, ec.ECDSA(algorithm()))
        else:
            return "unsupported key type"
    except InvalidSignature:
        return "the signature does not match the signer's key"
    except UnsupportedAlgorithm as error:
        return f"unsupported algorithm: {error}"
    return ""


# --- MIME framing -------------------------------------------------------------

_BOUNDARY_RE = re.compile(rb'boundary\s*=\s*(?:"([^"]+)"|([^\s;"]+))', re.IGNORECASE)
_OPAQUE_RE = re.compile(rb"^content-type:\s*application/(?:x-)?pkcs7-mime", re.I | re.M)
_SIGNED_RE = re.compile(rb"^content-type:\s*multipart/signed", re.IGNORECASE | re.MULTILINE)


def verify_message(raw: bytes) -> SignatureCheck:
    """The verdict on the signature of a whole message (a PEC envelope or receipt)."""
    head, _, body = _split_head(raw)
    if _SIGNED_RE.search(head):
        return _verify_detached(head, body)
    if _OPAQUE_RE.search(head):
        return verify_cms(_base64_body(body), None)
    return SignatureCheck(ABSENT, reason="the message carries no S/MIME signature")


def _split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw, b"", b""
    head = re.sub(rb"\r?\n[ \t]+", b" ", raw[: match.start()])
    return head, raw[match.start() : match.end()], raw[match.end() :]


def _verify_detached(head: bytes, body: bytes) -> SignatureCheck:
    """multipart/signed: the first part's exact bytes, signed by the second (RFC 1847)."""
    boundary = _BOUNDARY_RE.search(head)
    if boundary is None:
        return SignatureCheck(INVALID, reason="multipart/signed without a boundary")
    delimiter = b"--" + (boundary.group(1) or boundary.group(2))
    # A delimiter line is the boundary alone, or its closing form (RFC 2046 5.1.1).
    pieces = re.split(rb"(?:^|\r?\n)" + re.escape(delimiter) + rb"(?=--|[ \t]*(?:\r?\n|$))", body)
    if len(pieces) < 3:
        return SignatureCheck(INVALID, reason="multipart/signed without two parts")
    signed = re.sub(rb"^[ \t]*\r?\n", b"", pieces[1], count=1)
    signature_head, _, signature_body = _split_head(re.sub(rb"^[ \t]*\r?\n", b"", pieces[2]))
    if not re.search(rb"pkcs7-signature", signature_head, re.IGNORECASE):
        return SignatureCheck(INVALID, reason="the second part is not an S/MIME signature")
    return verify_cms(_base64_body(signature_body), _canonical(signed))


def _canonical(part: bytes) -> bytes:
    """MIME canonical form (RFC 8551 section 3.1.1): every line ends in CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", part)


def _base64_body(body: bytes) -> bytes:
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", body.split(b"\n--", 1)[0])
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return b""


# --- trust lists ---------------------------------------------------------------


def certificates_in(data: bytes) -> list[x509.Certificate]:
    """The certificates of a trust list file: a PEM bundle, or AgID's XML list
    (ETSI TS 119 612 ``X509Certificate`` elements, base64 DER). Raises ValueError
    when it holds none."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        found = x509.load_pem_x509_certificates(data)
    else:
        found = _xml_certificates(data)
    if not found:
        raise ValueError("no certificate in the file")
    return found


def _xml_certificates(data: bytes) -> list[x509.Certificate]:
    try:
        root = defused.fromstring(data)
    except SyntaxError as error:  # ElementTree's ParseError
        raise ValueError(f"neither PEM nor XML: {error}") from None
    found: list[x509.Certificate] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "X509Certificate" and element.text:
            try:
                der = base64.b64decode(re.sub(r"\s+", "", element.text))
                found.append(x509.load_der_x509_certificate(der))
            except (binascii.Error, ValueError):
                continue
    return found
