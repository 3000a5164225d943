"""Receiving one message's DATA: lines of any length, one buffer, and a bound on memory.

aiosmtpd's own DATA keeps every line as a bytearray of its own in a list (about twice the
message's size in objects), joins them into a third copy, and answers a line over 1,000
bytes with a permanent 500. Here the lines go into one buffer that becomes the message's
bytes without a copy, a line may be as long as the message may be, and every byte held
counts against `BytesInFlight`, the listener's bound on the bytes of all the messages it
holds at once (being received or being stored). A message past that bound is dropped as it
arrives and answered 451 at its end: the sender keeps it and tries again later.
"""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import dataclass
from enum import Enum

NO_ROOM = "451 4.3.1 Too much mail in progress, try again later"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"


class BytesInFlight:
    """The bytes of messages a listener holds at once, against `limit`.

    Taken on the listener's event loop as DATA arrives, given back from the store's worker
    thread when a store ends, hence the lock.
    """

    def __init__(self, limit: int) -> None:
        if limit <= 0:
            raise ValueError(f"the limit of bytes in flight must be positive, not {limit}")
        self.limit = limit
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """The bytes held now."""
        with self._lock:
            return self._held

    def take(self, count: int) -> bool:
        """Take `count` more bytes; False, taking nothing, when they would pass the limit."""
        with self._lock:
            if self._held + count > self.limit:
                return False
            self._held += count
            return True

    def give_back(self, count: int) -> None:
        with self._lock:
            self._held -= count


class Hold:
    """One message's share of the bytes in flight; `release()` gives it all back, once."""

    def __init__(self, in_flight: BytesInFlight) -> None:
        self._in_flight = in_flight
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def grow_to(self, size: int) -> bool:
        """Hold at least `size` bytes; False when the bytes in flight have no room for them."""
        with self._lock:
            more = size - self._size
            if more <= 0:
                return True
            if not self._in_flight.take(more):
                return False
            self._size = size
            return True

    def release(self) -> None:
        """Give back every byte held (from any thread); a no-op when nothing is held."""
        with self._lock:
            size, self._size = self._size, 0
        if size:
            self._in_flight.give_back(size)


class Ending(Enum):
    """How reading DATA ended, short of a message to store."""

    STORE = "store"  # the whole message was received and kept
    TOO_BIG = "too big"  # past the message size limit: 552, a permanent refusal
    NO_ROOM = "no room"  # past the bytes in flight: 451, the sender tries again later


@dataclass(frozen=True, slots=True)
class Received:
    ending: Ending
    content: bytes
    size: int  # the bytes received, kept or not, less dot-stuffing


async def read_data(reader: asyncio.StreamReader, hold: Hold, max_message_bytes: int) -> Received:
    """Read DATA up to the lone dot, undoing dot-stuffing; the bytes as received otherwise.

    A line longer than the reader's limit is read in pieces and kept whole (RFC 5321 4.5.3.1.6
    lets a server accept longer lines; only the size counts). Once the message passes
    `max_message_bytes` or `hold` cannot grow, what came is dropped and the rest is read and
    discarded, so that the answer comes after the end of the data, as RFC 5321 4.2.5 wants.
    """
    buffer: io.BytesIO | None = io.BytesIO()
    size = 0
    ending = Ending.STORE
    line_start = True
    while True:
        try:
            piece = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError as overrun:
            # A line longer than the reader's buffer: take what it has; the rest follows.
            # The reader leaves a CR that may start the CRLF for the next call, so a piece
            # never ends between CR and LF.
            piece = await reader.read(overrun.consumed)
        if line_start:
            if piece == b".\r\n":
                break
            if piece.startswith(b"."):
                piece = piece[1:]
        line_start = piece.endswith(b"\r\n")
        size += len(piece)
        if buffer is None:
            if size > max_message_bytes:
                ending = Ending.TOO_BIG  # no use trying again later
            continue
        if size > max_message_bytes:
            ending = Ending.TOO_BIG
        elif not hold.grow_to(buffer.tell() + len(piece)):
            ending = Ending.NO_ROOM
        else:
            buffer.write(piece)
            continue
        # Drop what came at once: the memory is what the limits are for.
        buffer = None
        hold.release()
    if buffer is None:
        return Received(ending, b"", size)
    # BytesIO hands over its own buffer as the bytes when nothing else refers to it: no copy.
    content = buffer.getvalue()
    del buffer
    return Received(Ending.STORE, content, size)


def declared_size(mail_options: list[str]) -> int:
    """The SIZE= the client gave with MAIL FROM (RFC 1870), or 0 when none (aiosmtpd upper-cases
    the options and refuses a SIZE that is no number or over the limit)."""
    for option in mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0
