"""Issuing, listing, revoking and checking the keys machines call the HTTP API with."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from mailbot.domain.actors import Actor, label_of, signed
from mailbot.domain.api_roles import PARTNER_ROLES, ApiRole
from mailbot.domain.events import EventType
from mailbot.errors import MailbotError
from mailbot.storage.api_keys import ApiKey, KeyRow
from mailbot.storage.unit_of_work import UnitOfWork

# Keys read as mailbot's in a secret scanner's eyes and in logs: "mbk_" and 43 characters.
KEY_PREFIX = "mbk_"


class ApiKeyError(MailbotError):
    """A key that cannot be issued or revoked as asked."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(
    uow: Callable[[], UnitOfWork], name: str, role: ApiRole, *, now: datetime, by: Actor | None
) -> tuple[ApiKey, str]:
    """A new key for `name` with `role`, and the key itself: shown once, kept only hashed."""
    name = name.strip()
    if not name:
        raise ApiKeyError("a key needs a name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with uow() as unit:
        if unit.api_keys.named(name) is not None:
            raise ApiKeyError(f"a key named {name!r} exists already")
        if role.kind in PARTNER_ROLES:
            partner = unit.partners.by_address(role.partner)
            if partner is None or partner.role != role.kind:
                raise ApiKeyError(f"{role.partner} is not a registered {role.kind}'s address")
        record = ApiKey(
            name=name[:100],
            role=str(role),
            prefix=key[:12],
            sha256=key_hash(key),
            created_at=now,
            created_by=label_of(by),
        )
        unit.api_keys.add(record)
        payload = signed({"key": record.id, "name": record.name, "role": record.role}, by)
        unit.events.record(EventType.API_KEY_ISSUED, record.id, payload, now)
        unit.commit()
    return record, key


def revoke_key(
    uow: Callable[[], UnitOfWork], name: str, *, now: datetime, by: Actor | None
) -> ApiKey:
    """Revoke the key `name` at once: requests with it get 401 from now on."""
    with uow() as unit:
        record = unit.api_keys.named(name.strip())
        if record is None:
            raise ApiKeyError(f"no key named {name!r}")
        if record.revoked_at is not None:
            raise ApiKeyError(f"the key {name!r} was revoked on {record.revoked_at:%Y-%m-%d}")
        record.revoked_at = now
        payload = signed({"key": record.id}, by)
        unit.events.record(EventType.API_KEY_REVOKED, record.id, payload, now)
        unit.commit()
    return record


def key_holder(unit: UnitOfWork, key: str) -> tuple[KeyRow, ApiRole] | None:
    """The live key `key` is, with its role; None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX):
        return None
    record = unit.api_keys.by_hash(key_hash(key))
    if record is None or record.revoked_at is not None:
        return None
    return record, ApiRole.parse(record.role)
