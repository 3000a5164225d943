"""`Idempotency-Key` on POST, as the IETF httpapi draft describes it: the same key with the
same request gives the answer the first one got, without the work being done again; the same
key with another request is refused (422); a request still being answered under the key gets
409. A key is remembered for `REMEMBERED`; a 5xx answer is not remembered, so the client may
try again. Requests without the header are left alone."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailbot.bootstrap import App
from mailbot.http.problems import problem
from mailbot.services.api_keys import key_hash

HEADER = "idempotency-key"
REMEMBERED = timedelta(hours=24)
MAX_KEY = 255
# What `_begin` says of a request not made with a live API key.
PASS = Response(status_code=401)


class Idempotency:
    """ASGI middleware (plain ASGI, as `web.security.SecureHeaders` says why): a request
    without the header passes straight through."""

    def __init__(self, app: ASGIApp, mailbot: App) -> None:
        self._app = app
        self._mailbot = mailbot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get(HEADER)
        if key is None:
            await self._app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY:
            refused = problem(400, f"an Idempotency-Key is 1 to {MAX_KEY} characters")
            await refused(scope, receive, send)
            return
        _, _, secret = request.headers.get("authorization", "").partition(" ")
        api_key = key_hash(secret.strip())
        body = await request.body()
        fingerprint = hashlib.sha256(b"\0".join((request.url.path.encode(), body))).hexdigest()
        earlier = await run_in_threadpool(self._begin, api_key, key, fingerprint)
        replay = _again(body, receive)
        if earlier is PASS:  # not a live key: the route refuses it, nothing is kept
            await self._app(scope, replay, send)
            return
        if earlier is not None:
            await earlier(scope, receive, send)
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        try:
            await self._app(scope, replay, keep)
        except BaseException:
            await run_in_threadpool(self._forget, api_key, key)
            raise
        start = answer[0]
        content = b"".join(message.get("body", b"") for message in answer[1:])
        media_type = Headers(raw=start["headers"]).get("content-type", "")
        await run_in_threadpool(self._finish, api_key, key, start["status"], media_type, content)
        for message in answer:
            await send(message)

    def _begin(self, api_key: str, key: str, fingerprint: str) -> Response | None:
        """Record the request (None), or the answer for a request made with this key before;
        `PASS` when the request is not made with a live API key."""
        now = self._mailbot.clock.now()
        with self._mailbot.uow() as uow:
            holder = uow.api_keys.by_hash(api_key)
            if holder is None or holder.revoked_at is not None:
                return PASS
            uow.idempotent.forget_before(now - REMEMBERED)
            if uow.idempotent.begin(api_key, key, fingerprint, now):
                uow.commit()
                return None
            uow.commit()
            first = uow.idempotent.get(api_key, key)
        if first is None:  # answered with a 5xx and forgotten in between: try again
            return self._begin(api_key, key, fingerprint)
        if first.fingerprint != fingerprint:
            return problem(422, "this Idempotency-Key was used with another request", errors=[])
        if first.status is None:
            return problem(409, "a request with this Idempotency-Key is still being answered")
        return Response(
            first.body or b"",
            status_code=first.status,
            media_type=first.media_type,
            headers={"Idempotent-Replayed": "true"},
        )

    def _finish(self, api_key: str, key: str, status: int, media_type: str, content: bytes) -> None:
        with self._mailbot.uow() as uow:
            if status >= 500:
                uow.idempotent.forget(api_key, key)
            else:
                record = uow.idempotent.get(api_key, key)
                assert record is not None
                record.status = status
                record.media_type = media_type
                record.body = content
            uow.commit()

    def _forget(self, api_key: str, key: str) -> None:
        with self._mailbot.uow() as uow:
            uow.idempotent.forget(api_key, key)
            uow.commit()


def _again(body: bytes, receive: Receive) -> Receive:
    """The request's `receive` once its body has been read here: the body, then the client's
    own messages (a disconnect)."""
    given = False

    async def again() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again
