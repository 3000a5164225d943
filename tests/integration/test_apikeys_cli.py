"""`mailbot apikeys`: a key printed once and kept hashed, listed without it, revoked."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.services.api_keys import key_hash
from mailbot.storage.api_keys import ApiKey
from tests.commands import call


def test_a_key_is_shown_once_kept_hashed_listed_and_revoked(cli: CliRunner, app: App) -> None:
    added = call(cli, "--by", "alice", "apikeys", "add", "web shop", "--role", "shop")
    secret = added.stdout.strip()
    assert secret.startswith("mbk_")
    assert len(secret) > 40
    with app.uow() as uow:
        (stored,) = uow.session.scalars(select(ApiKey)).all()
        assert stored.sha256 == key_hash(secret)
        assert secret not in (stored.prefix, stored.sha256, stored.name)
    (row,) = json.loads(call(cli, "apikeys", "list", "--json").stdout)
    assert row["name"] == "web shop"
    assert row["role"] == "shop"
    assert row["created_by"] == "alice (command line)"
    assert secret not in json.dumps(row)
    assert secret.startswith(row["starts"])
    call(cli, "apikeys", "revoke", "web shop")
    (row,) = json.loads(call(cli, "apikeys", "list", "--json").stdout)
    assert row["revoked_at"]
    again = call(cli, "apikeys", "revoke", "web shop", code=1)
    assert "was revoked on" in again.output


def test_roles_and_names_are_checked(cli: CliRunner) -> None:
    unknown = call(cli, "apikeys", "add", "x", "--role", "cashier", code=2)
    assert "unknown role 'cashier'" in unknown.output
    bare = call(cli, "apikeys", "add", "x", "--role", "supplier", code=2)
    assert "supplier:<address>" in bare.output
    stranger = call(cli, "apikeys", "add", "x", "--role", "supplier:nobody@x.example", code=1)
    assert "not a registered supplier" in stranger.output
    call(cli, "apikeys", "add", "x", "--role", "monitoring")
    taken = call(cli, "apikeys", "add", "x", "--role", "monitoring", code=1)
    assert "exists already" in taken.output
