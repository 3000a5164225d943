"""Mail that must not be answered (RFC 3834): auto-replies, bounces, lists, our own mail.

The rules are data: an ordered tuple of named tests, the first that applies gives the
reason. Answering any of these mails risks a mail loop or backscatter to forged senders.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from email.message import Message

from mailbot.parsers.message import ParsedMessage


@dataclass(frozen=True, slots=True)
class Rule:
    """A reason not to answer, and the test that tells whether a message has it."""

    reason: str
    applies: Callable[[ParsedMessage], bool]


_DAEMONS = frozenset({"mailer-daemon", "postmaster"})
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply", "auto-reply"})
# X-Auto-Response-Suppress tokens that ask for no automatic replies (DR/NDR/RN/NRN only
# concern delivery and read receipts).
_SUPPRESSED = frozenset({"all", "oof", "autoreply"})
_NO = frozenset({"no", "false", "0"})


def _tokens(value: str) -> list[str]:
    """Lower-case words of a header value, comments and parameters left out."""
    return value.split("(", 1)[0].replace(",", " ").replace(";", " ").lower().split()


def _content_type(message: ParsedMessage) -> Message:
    """The top-level Content-Type, parsed (for its type and report-type parameter)."""
    holder = Message()
    holder["Content-Type"] = message.header("content-type")
    return holder


def _localpart(message: ParsedMessage) -> str:
    return message.from_address.rpartition("@")[0] or message.from_address


def is_bounce(message: ParsedMessage) -> bool:
    """True for a delivery status notification (a bounce) of some earlier mail."""
    content_type = _content_type(message)
    if content_type.get_content_type() == "multipart/report":
        report_type = content_type.get_param("report-type")
        if isinstance(report_type, str) and report_type.lower() == "delivery-status":
            return True
    return _localpart(message) == "mailer-daemon"


def _no_sender(message: ParsedMessage) -> bool:
    return not message.from_address


def _auto_submitted(message: ParsedMessage) -> bool:
    # RFC 3834: anything but "no" (auto-generated, auto-replied...); an empty value counts
    # too, since staying silent is cheaper than a mail loop.
    values = message.headers.get("auto-submitted", ())
    return any((_tokens(value) or [""])[0] != "no" for value in values)


def _auto_response_suppressed(message: ParsedMessage) -> bool:
    values = message.headers.get("x-auto-response-suppress", ())
    return any(token in _SUPPRESSED for value in values for token in _tokens(value))


def _autoreply_header(message: ParsedMessage) -> bool:
    values = (*message.headers.get("x-autoreply", ()), *message.headers.get("x-autorespond", ()))
    return any(value.strip().lower() not in _NO for value in values)


def _bulk_precedence(message: ParsedMessage) -> bool:
    values = message.headers.get("precedence", ())
    return any(token in _BULK_PRECEDENCE for value in values for token in _tokens(value))


def _mailing_list(message: ParsedMessage) -> bool:
    return "list-id" in message.headers or "list-unsubscribe" in message.headers


def _empty_return_path(message: ParsedMessage) -> bool:
    # "<>" is the null reverse-path of bounces and other automatic mail (RFC 5321 4.5.5).
    values = message.headers.get("return-path", ())
    return any("".join(value.split()) in ("<>", "") for value in values)


def _daemon(message: ParsedMessage) -> bool:
    return (
        _localpart(message) in _DAEMONS
        or _content_type(message).get_content_type() == "multipart/report"
    )


RULES: tuple[Rule, ...] = (
    Rule("no sender", _no_sender),
    Rule("bounce", is_bounce),
    Rule("mailer-daemon", _daemon),
    Rule("empty return-path", _empty_return_path),
    Rule("auto-submitted", _auto_submitted),
    Rule("auto-response-suppress", _auto_response_suppressed),
    Rule("autoreply header", _autoreply_header),
    Rule("precedence bulk", _bulk_precedence),
    Rule("mailing list", _mailing_list),
)


def own_mail_rules(
    own_addresses: Collection[str], sent_by_us: Callable[[str], bool]
) -> tuple[Rule, ...]:
    """The rules that recognise mailbot's own mail coming back to it.

    `sent_by_us(message_id)` tells whether mailbot wrote a mail with that Message-ID: only
    the exact id counts, since partners and managers may share mailbot's domain (and so the
    domain of their own Message-IDs)."""
    addresses = frozenset(address.strip().lower() for address in own_addresses)

    def own_message_id(message: ParsedMessage) -> bool:
        return bool(message.message_id) and sent_by_us(message.message_id)

    def own_address(message: ParsedMessage) -> bool:
        return message.from_address in addresses

    return (Rule("own message-id", own_message_id), Rule("own address", own_address))


def reason_not_to_answer(
    message: ParsedMessage,
    *,
    own_addresses: Collection[str],
    sent_by_us: Callable[[str], bool],
) -> str | None:
    """Why `message` must not be answered (a short reason), or None when it may be."""
    for rule in (*own_mail_rules(own_addresses, sent_by_us), *RULES):
        if rule.applies(message):
            return rule.reason
    return None
