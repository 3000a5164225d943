"""Signing in to the cabinet in tests the way a person does: ask for a link, find it in the
mail mailbot wrote, open it and press the button."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mailbot.bootstrap import App
from tests.mail import parts
from tests.pipeline import outbox

LINK = re.compile(r"https?://\S+/sign-in/([\w-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def link_for(app: App, address: str) -> str:
    """The path of the newest sign-in link mailed to `address`."""
    mails = [m for m in outbox(app) if m.recipient == address and m.kind == "sign_in_link"]
    assert mails, f"no sign-in link was mailed to {address}"
    found = LINK.search(parts(mails[-1].raw)["plain"])
    assert found, "the mail holds no link"
    return f"/sign-in/{found[1]}"


def ask_for_link(client: TestClient, address: str) -> int:
    form = client.get("/sign-in")
    answer = client.post("/sign-in", data={"address": address, "csrf": csrf_of(form.text)})
    return answer.status_code


def sign_in(client: TestClient, app: App, address: str) -> str:
    """Sign `client` in as `address`; the CSRF token of its forms."""
    assert ask_for_link(client, address) == 200
    path = link_for(app, address)
    confirm = client.get(path)
    opened = client.post(path, data={"csrf": csrf_of(confirm.text)}, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    return csrf_of(client.get("/orders").text)
