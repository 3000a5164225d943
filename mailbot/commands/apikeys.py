"""`apikeys add|list|revoke`: the keys shops, tills, call centres, suppliers and monitoring
call the HTTP API with."""

from __future__ import annotations

import click

from mailbot.commands.common import (
    Context,
    emit,
    failures,
    json_option,
    pass_context,
    usage_errors,
)
from mailbot.domain.api_roles import ApiRole
from mailbot.services.api_keys import issue_key, revoke_key


@click.group()
def apikeys() -> None:
    """Keys for the HTTP API: `Authorization: Bearer KEY`."""


@apikeys.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    help="shop, pos, call_centre, marketing, supplier:<address>, manager or monitoring.",
)
@pass_context
def apikeys_add(context: Context, name: str, role: str) -> None:
    """Issue a key called NAME with ROLE and print it. It is shown this once: only its hash
    is kept."""
    with usage_errors():
        parsed = ApiRole.parse(role)
    app = context.app()
    with failures():
        record, key = issue_key(app.uow, name, parsed, now=app.clock.now(), by=context.actor)
    context.acted(f"API key {record.name} ({record.role}) issued")
    click.echo(key)
    click.echo(
        f"API key {record.name} ({record.role}): keep it now, it is not shown again", err=True
    )


@apikeys.command("list")
@json_option
@pass_context
def apikeys_list(context: Context, as_json: bool) -> None:
    """Every key: name, role, the key's first characters, when and by whom it was issued,
    and when it was revoked."""
    with context.app().uow() as uow:
        rows = [
            {
                "name": key.name,
                "role": key.role,
                "starts": key.prefix,
                "created_at": key.created_at.isoformat(timespec="seconds"),
                "created_by": key.created_by,
                "revoked_at": key.revoked_at.isoformat(timespec="seconds")
                if key.revoked_at
                else "",
            }
            for key in uow.api_keys.all()
        ]
    emit(rows, as_json, ["name", "role", "starts", "created_at", "created_by", "revoked_at"])


@apikeys.command("revoke")
@click.argument("name")
@pass_context
def apikeys_revoke(context: Context, name: str) -> None:
    """Revoke the key NAME: requests with it are refused (401) from now on."""
    app = context.app()
    with failures():
        record = revoke_key(app.uow, name, now=app.clock.now(), by=context.actor)
    what = f"API key {record.name} revoked"
    context.acted(what)
    click.echo(what)
