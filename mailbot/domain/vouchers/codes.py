"""The one way voucher codes are compared, however people typed them.

A promotional code is matched ignoring case and what people put between groups (spaces, dashes
of every kind, dots, underscores): its loose form. A serial code is also read through the
look-alikes Crockford's base32 reads the same way: O as 0, I and L as 1, and U as V (U is not
in the alphabet; V is the nearest shape).
"""

from __future__ import annotations

import re
from typing import Final

_SEPARATORS: Final = re.compile(r"[\s\-‐-―−_.]+")
_LOOK_ALIKES: Final = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def loose_form(text: str) -> str:
    """`text` upper-cased without separators, look-alikes kept: the stored form of a
    promotional code, and the form in which two typed codes are the same code."""
    return _SEPARATORS.sub("", text).upper()


def normalise_code(text: str) -> str:
    """The stored form of a serial code: upper case, no separators, look-alikes mapped."""
    return loose_form(text).translate(_LOOK_ALIKES)
