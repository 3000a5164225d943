"""`Idempotency-Key` on POST, as the IETF httpapi draft describes it: the same key with the
same request gives the answer the first one got, without the work being done again; the same
key with another request is refused (422); a request still being answered under the key gets
409. A key is remembered for `REMEMBERED`; a 5xx answer is not remembered, so the client may
try again. Requests without the header are left alone."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from mailbot.bootstrap import App
from mailbot.http.problems import problem
from mailbot.services.api_keys import key_hash

HEADER = "idempotency-key"
REMEMBERED = timedelta(hours=24)
MAX_KEY = 255
# What `_begin` says of a request not made with a live API key.
PASS = Response(status_code=401)


class Idempotency:
    def __init__(self, app: App) -> None:
        self._app = app

    async def __call__(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return await call_next(request)
        if not key or len(key) > MAX_KEY:
            return problem(400, f"an Idempotency-Key is 1 to {MAX_KEY} characters")
        _, _, secret = request.headers.get("authorization", "").partition(" ")
        scope = key_hash(secret.strip())
        body = await request.body()
        fingerprint = hashlib.sha256(b"\0".join((request.url.path.encode(), body))).hexdigest()
        earlier = await run_in_threadpool(self._begin, scope, key, fingerprint)
        if earlier is PASS:  # not a live key: the route refuses it, nothing is kept
            return await call_next(request)
        if earlier is not None:
            return earlier
        try:
            response = await call_next(request)
        except BaseException:
            await run_in_threadpool(self._forget, scope, key)
            raise
        content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        await run_in_threadpool(self._finish, scope, key, response, content)
        return Response(
            content,
            status_code=response.status_code,
            headers=dict(response.headers),
            media_type=response.media_type,
        )

    def _begin(self, scope: str, key: str, fingerprint: str) -> Response | None:
        """Record the request (None), or the answer for a request made with this key before;
        `PASS` when the request is not made with a live API key."""
        now = self._app.clock.now()
        with self._app.uow() as uow:
            holder = uow.api_keys.by_hash(scope)
            if holder is None or holder.revoked_at is not None:
                return PASS
            uow.idempotent.forget_before(now - REMEMBERED)
            if uow.idempotent.begin(scope, key, fingerprint, now):
                uow.commit()
                return None
            uow.commit()
            first = uow.idempotent.get(scope, key)
        if first is None:  # answered with a 5xx and forgotten in between: try again
            return self._begin(scope, key, fingerprint)
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

    def _finish(self, scope: str, key: str, response: Response, content: bytes) -> None:
        with self._app.uow() as uow:
            if response.status_code >= 500:
                uow.idempotent.forget(scope, key)
            else:
                record = uow.idempotent.get(scope, key)
                assert record is not None
                record.status = response.status_code
                record.media_type = response.headers.get("content-type", "")
                record.body = content
            uow.commit()

    def _forget(self, scope: str, key: str) -> None:
        with self._app.uow() as uow:
            uow.idempotent.forget(scope, key)
            uow.commit()
