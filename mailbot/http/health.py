"""`/healthz`: the process answers. `/readyz`: the database is reachable and migrated, and the
parts of the running instances (listener, poller, processor, sender, scheduler) are alive,
each with its state and its last work; 503 when not ready."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from mailbot.http.auth import state_of
from mailbot.service_status import service_status
from mailbot.storage.database import schema_revisions

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready, with the reasons"}})
def readyz(request: Request) -> JSONResponse:
    app = state_of(request).app
    try:
        current, newest = schema_revisions(app.engine)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[:1]
        database: dict[str, object] = {"reachable": False, "error": "".join(reason)}
        return JSONResponse({"ready": False, "database": database, "parts": []}, 503)
    database = {
        "reachable": True,
        "schema": current,
        "newest_schema": newest,
        "migrated": current == newest,
    }
    if current != newest:
        return JSONResponse({"ready": False, "database": database, "parts": []}, 503)
    with app.reading() as uow:
        status = service_status(uow, database, now=app.clock.now(), failed_within=None)
    parts = [
        {"instance": instance["instance"], **part}
        for instance in status.instances
        if instance["stopped_at"] is None
        for part in instance["parts"]  # type: ignore[attr-defined]
    ]
    ready = all(part["state"] == "ok" for part in parts)
    return JSONResponse(
        {"ready": ready, "database": database, "parts": parts}, 200 if ready else 503
    )
