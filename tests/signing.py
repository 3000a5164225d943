"""DKIM signing and receiving servers' headers for tests: a generated RSA key, its DNS record."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class SigningKey:
    private_pem: bytes
    record: bytes  # the TXT record published at SELECTOR._domainkey.DOMAIN


def signing_key(label: str = "partner") -> SigningKey:
    """An RSA key per label for the whole test session (generating keys takes a while)."""
    return _generated(label)


@cache
def _generated(label: str) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(private_pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der))


def signed(raw: bytes, domain: str, selector: str = "mail", key: str = "partner") -> bytes:
    """`raw` with a DKIM-Signature of `domain` on top, as the sender's server would add it."""
    signature = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        signing_key(key).private_pem,
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    return bytes(signature) + raw


def key_name(domain: str, selector: str = "mail") -> str:
    return f"{selector}._domainkey.{domain}"


def received(raw: bytes, *fields: str) -> bytes:
    """`raw` as a receiving server passes it on: `Authentication-Results` fields on top, in
    the order given (the first is the topmost, added last)."""
    added = b"".join(f"Authentication-Results: {value}\r\n".encode() for value in fields)
    return added + raw
