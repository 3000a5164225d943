"""What makes a message more than its From header, for the acts that commit money or goods:
a client's AGREE and CANCEL, a supplier's confirmation or shipment, a price list by mail.

Anyone can write a partner's address in From. Such an act is carried out only when its
message also shows one of:

- it replies to mail mailbot wrote to that partner (about that order, for an order's acts):
  its In-Reply-To or References name a Message-ID that only the readers of that mail saw;
- it carries the order's reference for that partner (`REF-` and ten characters, printed in
  the quote, the order file and the answers that ask for it) in its subject or text: an HMAC
  of the partner with the order's secret, so one partner's reference is no use to another;
- its sender passed sender authentication (`[security]`: a trusted server's verdict or
  mailbot's own DKIM check), when one is configured.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from mailbot.parsers.commands import references_in
from mailbot.parsers.message import ParsedMessage
from mailbot.storage.models import Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH = 10  # 50 bits: a forger guessing by mail would need about 10^15 tries

# What an act that is not proven is answered with, for the log and the record.
NOT_PROVEN = "not a reply to our mail, no order reference, sender not authenticated"


def order_reference(order: Order, partner_id: int) -> str:
    """The order's reference for partner `partner_id`, e.g. `REF-K7M3Q9TXAB`. An order
    without a secret (one quoted before references existed) is given one now."""
    if not order.secret:
        order.secret = secrets.token_hex(16)
    mac = hmac.new(bytes.fromhex(order.secret), f"partner {partner_id}".encode(), hashlib.sha256)
    number = int.from_bytes(mac.digest()[:8])
    chars = []
    for _ in range(_LENGTH):
        number, index = divmod(number, 32)
        chars.append(_CROCKFORD[index])
    return "REF-" + "".join(chars)


def proof_of_sender(
    uow: UnitOfWork,
    message: ParsedMessage,
    partner: Partner,
    order: Order | None,
    authenticated: Callable[[], bool],
) -> str:
    """How `message` shows it comes from `partner` for an act on `order` (None: an act on no
    order, a price list): "a reply to our mail <id>", "the order's reference" or "sender
    authenticated"; "" when nothing does. `authenticated` is asked last (it may look up DNS)."""
    addresses = [address.address for address in partner.addresses]
    thread = [message.in_reply_to, *reversed(message.references)]
    replied_to = uow.sent.wrote_to(thread, addresses, None if order is None else order.id)
    if replied_to:
        return f"a reply to our mail {replied_to}"
    if order is not None:
        written = references_in(
            message.subject, message.text, *(forwarded.text for forwarded in message.forwarded)
        )
        if order_reference(order, partner.id) in written:
            return "the order's reference"
    if authenticated():
        return "sender authenticated"
    return ""
