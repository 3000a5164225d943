"""A small DNS server on loopback for the real resolver's tests: fixed TXT records over UDP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset


class DnsServer:
    """Answers TXT queries from `records`; NXDOMAIN for other names; never answers `silent`."""

    def __init__(self, records: dict[str, bytes], silent: set[str]) -> None:
        self.records = {name.rstrip(".").lower(): value for name, value in records.items()}
        self.silent = {name.rstrip(".").lower() for name in silent}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = int(self.socket.getsockname()[1])
        self.stopping = threading.Event()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                wire, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            name = query.question[0].name.to_text().rstrip(".").lower()
            if name in self.silent:
                continue
            response = dns.message.make_response(query)
            if name in self.records:
                value = self.records[name]
                # TXT strings hold at most 255 bytes each; a DKIM key needs several.
                chunks = " ".join(
                    f'"{value[i : i + 255].decode()}"' for i in range(0, len(value), 255)
                )
                response.answer.append(
                    dns.rrset.from_text(query.question[0].name, 300, "IN", "TXT", chunks)
                )
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.socket.sendto(response.to_wire(), client)

    def resolver(self) -> dns.resolver.Resolver:
        """A dnspython resolver that asks only this server."""
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        return resolver


@contextmanager
def dns_server(records: dict[str, bytes], silent: set[str] | None = None) -> Iterator[DnsServer]:
    server = DnsServer(records, silent or set())
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        thread.join()
        server.socket.close()
