"""`mailbot mailbox check`: log in to the mailbox and the outgoing relay as `mailbot run` would,
and say what was found there or exactly what failed."""

from __future__ import annotations

import click
from imapclient.exceptions import IMAPClientError

from mailbot.bootstrap import outgoing_transport
from mailbot.commands.common import BAD_CONFIG, Context, fail, pass_context
from mailbot.config import Config, ConfigError, ImapConfig
from mailbot.ingress.imap_connection import ImapConnection, client_tls_context
from mailbot.oauth import TokenError, access_tokens
from mailbot.outbound.transport import DeliveryError, SmtpTransport


@click.group()
def mailbox() -> None:
    """The mailbox mailbot reads and the relay it sends through."""


@mailbox.command("check")
@pass_context
def mailbox_check(context: Context) -> None:
    """Log in to the IMAP mailbox (when imap.enabled) and the outgoing relay (when
    smtp_outgoing.host is set) with the configured method, a password or OAuth2, and send
    nothing. Prints the folders and the messages waiting in imap.folder; exits 1 naming what
    failed (the token endpoint's answer, the server's refusal, the connection)."""
    config = context.loaded().config
    if not config.imap.enabled and not config.smtp_outgoing.host:
        fail("nothing to check: imap.enabled is false and smtp_outgoing.host is empty")
    failures = [problem for problem in (_imap(config.imap), _relay(config)) if problem]
    for problem in failures[:-1]:
        click.echo(f"mailbot: {problem}", err=True)
    if failures:
        fail(failures[-1])


def _imap(config: ImapConfig) -> str:
    """Check the mailbox; the problem, or "" when all went well (or IMAP is off)."""
    if not config.enabled:
        click.echo("imap: not enabled (imap.enabled = false)")
        return ""
    where = f"{config.username} on {config.host}:{config.port}"
    tokens = access_tokens(config, f"IMAP {config.username}@{config.host}")
    try:
        context = client_tls_context(config) if config.security != "none" else None
    except ConfigError as error:
        fail(str(error), BAD_CONFIG)
    try:
        connection = ImapConnection.open(config, context, tokens)
    except (IMAPClientError, OSError, TokenError) as error:
        return f"imap: cannot log in as {where} ({config.auth}): {error}"
    try:
        folders = sorted(connection.folder_names())
        waiting = connection.message_count()
    except (IMAPClientError, OSError) as error:
        return f"imap: logged in as {where}, then: {error}"
    finally:
        connection.close()
    click.echo(f"imap: logged in as {where} ({config.auth})")
    click.echo(f"imap: folders: {', '.join(folders)}")
    click.echo(f"imap: {waiting} message(s) waiting in {config.folder}")
    return ""


def _relay(config: Config) -> str:
    """Log in to the outgoing relay; the problem, or "" when all went well (or there is none)."""
    transport = outgoing_transport(config)
    outgoing = config.smtp_outgoing
    if not isinstance(transport, SmtpTransport):
        click.echo(f"smtp: no relay (smtp_outgoing.host is empty): mail goes to {outgoing.folder}")
        return ""
    try:
        transport.check()
    except DeliveryError as error:
        return f"smtp: cannot log in ({outgoing.auth}): {error}"
    login = f"as {outgoing.username} ({outgoing.auth})" if outgoing.username else "without login"
    click.echo(f"smtp: relay {outgoing.host}:{outgoing.port} takes mail {login}")
    return ""
