"""Whether a subject says its message is a forward ("FW:", "Fwd:", "Пересл:", ...).

Mail clients put a prefix before the subject of a forward; the outermost prefix tells what the
message is: "FW: RE: Order" is a forward of a reply, "RE: FW: Order" a reply to a forward.
Mailing-list and security tags in brackets ("[EXT]") may stand before it.
"""

from __future__ import annotations

import re
from typing import Final

# Forward prefixes as mail clients write them, lower-case, without the colon: Outlook (FW),
# Gmail, Thunderbird, Apple Mail and Russian webmail (Fwd), French Outlook (TR), Spanish (RV),
# German (WG), Russian clients (Пересл, Переслано, Пересылка).
FORWARD_PREFIXES: Final = frozenset(
    {"fw", "fwd", "tr", "rv", "wg", "пересл", "переслано", "пересылка"}
)

_TAGS = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*")
# A prefix: one word, maybe a count ("Fwd[2]:", "FW(3):") or a dot ("Пересл.:"), then a colon.
_PREFIX = re.compile(r"(\w+)\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：]", re.UNICODE)


def is_forward(subject: str) -> bool:
    """True when the outermost prefix of `subject` marks a forward."""
    found = _PREFIX.match(_TAGS.sub("", subject, count=1))
    return found is not None and found[1].casefold() in FORWARD_PREFIXES
