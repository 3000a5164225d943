"""`mailbot events list|show|replay`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.events.outbox import Outbox
from tests.commands import call
from tests.events.test_publisher import pending, publishing
from tests.lifecycle import agree_and_send
from tests.rabbit import virtual_host
from tests.servers import wait_for


def mark_all_published(app: App) -> None:
    """What the publisher does once the broker confirmed every pending event."""
    outbox = Outbox(app.uow, app.clock)
    claimed = outbox.claim(10_000)
    assert claimed is not None
    outbox.settle(claimed, [envelope.message_id for envelope in claimed.envelopes])


def test_list_shows_an_orders_events_and_what_waits(app: App, cli: CliRunner) -> None:
    """`events list --order N --json` gives the order's events in order; `--pending` and the
    count at the end say what waits, and nothing once the broker took them."""
    seed_demo(app)
    number = agree_and_send(app)
    rows = json.loads(call(cli, "events", "list", "--order", number.lower(), "--json").output)
    assert [row["type"] for row in rows] == ["order.quoted", "order.agreed", "order.sent"]
    assert {row["aggregate_id"] for row in rows} == {number}
    assert all(row["sequence"] is None and row["published_at"] is None for row in rows)
    everything = json.loads(call(cli, "events", "list", "--pending", "--json").output)
    assert len(everything) > len(rows)
    waiting = call(cli, "events", "list", "--type", "order.sent").output
    assert waiting.splitlines()[-2] == f"{len(everything)} event(s) waiting to be published"
    mark_all_published(app)
    assert json.loads(call(cli, "events", "list", "--pending", "--json").output) == []
    listed = json.loads(call(cli, "events", "list", "--order", number, "--json").output)
    assert [row["sequence"] for row in listed] == [1, 2, 3]
    assert all(row["published_at"] for row in listed)


def test_show_prints_one_event_with_its_payload(app: App, cli: CliRunner) -> None:
    """`events show ID` prints the envelope's fields and the payload; an unknown ID exits 1."""
    seed_demo(app)
    number = agree_and_send(app)
    (agreed,) = json.loads(call(cli, "events", "list", "--type", "order.agreed", "--json").output)
    shown = call(cli, "events", "show", str(agreed["id"])).output
    assert f"message_id: {agreed['message_id']}" in shown
    assert f'"order": "{number}"' in shown
    assert '"currency": "EUR"' in shown
    assert "no event 999" in call(cli, "events", "show", "999", code=1).output


def test_replay_sends_the_same_events_again_with_their_ids(app: App, cli: CliRunner) -> None:
    """`events replay --since DATE` puts published events back: the publisher sends them again
    with the same message ids and sequence numbers."""
    seed_demo(app)
    agree_and_send(app)
    with virtual_host() as host:
        host.bind_queue()
        with publishing(app, host.url):
            wait_for(lambda: pending(app) == 0, what="every event published")
            first = host.drain()
            said = call(cli, "events", "replay", "--since", "2026-11-01").output
            assert said.startswith(f"{len(first)} event(s) since 2026-10-31T22:00:00")
            wait_for(lambda: pending(app) == 0, what="every event published again")
        again = host.drain()
    assert [(m.message_id, m.body["aggregate"]) for m in again] == [
        (m.message_id, m.body["aggregate"]) for m in first
    ]
