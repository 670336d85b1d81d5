"""The explorer's routes for real-time lookup and blind deconfliction (issue 17).

- ``POST /api/match`` (action ``match``): ``{"record": {...}}`` or ``{"records": [...]}`` (fields of
  :data:`linkgraph.match.realtime.QUERY_FIELDS`), ``top``, ``min_probability`` → the candidates
  the session's user may see, with probability, waterfall and evidence.
- ``POST /api/deconflict`` (action ``deconflict``): ``{"records": [...], "possible": 0.5}`` → per row
  only hit / possible hit / no hit, agencies, contact reference; the record of the request (with
  the matched entities, for their owners) is written by the handler.
- ``GET /api/deconflict/requests`` (action ``view``): the requests about entities the user holds.
- ``GET /deconflict``: the page (a form; its script calls the two routes above).

The matcher (:class:`~linkgraph.service.realtime.Matcher`) is built on first use and reloaded when
the workspace has changed (checked at most every 2 s). A files-mode explorer (no workspace) answers 422.
"""
from __future__ import annotations

import threading
from typing import Any

import pandas as pd
from fastapi import Body, FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from linkgraph.match.realtime import QueryError

ROUTES = {("POST", "/api/match"): "match", ("POST", "/api/deconflict"): "deconflict",
          ("GET", "/api/deconflict/requests"): "view"}
PAGES = {"/deconflict"}
#: Routes whose handler writes its own audit record (the app-wide gate only checks the role).
SELF_AUDITED = {"/api/deconflict"}
MAX_RECORDS = 500


class MatchIn(BaseModel):
    """One record or a list of records to look up."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] | None = None
    records: list[dict[str, Any]] | None = Field(None, max_length=MAX_RECORDS)
    top: int = Field(5, ge=1, le=50)
    min_probability: float = Field(0.01, ge=0, lt=1)
    possible: float = Field(0.5, gt=0, lt=1)

    def frame(self) -> pd.DataFrame:
        rows = ([self.record] if self.record is not None else []) + list(self.records or [])
        if not rows:
            raise HTTPException(422, "give a record or records")
        for r in rows:
            for v in r.values():
                if v is not None and not isinstance(v, (str, int)):
                    raise HTTPException(422, "a record's values are text")
        return pd.DataFrame(rows, dtype=object)


PAGE = """<h1>Deconfliction</h1>
<p>Check identifiers against every service's files without seeing them: per row you learn only
<em>hit</em>, <em>possible hit</em> (below the merge threshold) or <em>no hit</em>, the agencies to contact
and a contact reference to quote. The owners see who asked, when and for which case.</p>
<form id="deconflict-form">
  <label for="dc-list">One row per person or identifier: a header line, then values separated by ;
  (fields: last_name;first_name;dob;phone;plate;siren)</label>
  <textarea id="dc-list" name="list" rows="8" cols="80" required maxlength="60000"></textarea>
  <label for="dc-possible">possible hit from probability</label>
  <input id="dc-possible" name="possible" type="number" min="0.05" max="0.95" step="0.05" value="0.5">
  <button type="submit">Check</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<table id="dc-results"></table>
<h2>Requests about your entities</h2>
<button id="dc-requests" type="button">Show who asked</button>
<table id="dc-asked"></table>"""


def add_routes(app: FastAPI, state, session) -> None:
    """Register the routes on the explorer ``app`` over ``state`` (its ``workspace`` and ``user``)."""
    from linkgraph.service import pages

    lock = threading.Lock()

    def matcher():
        from linkgraph.service.realtime import Matcher

        workspace = getattr(state, "workspace", None)
        if workspace is None:
            raise HTTPException(422, "lookup and deconfliction need a workspace (linkgraph serve -w WORKSPACE)")
        with lock:
            current = getattr(state, "matcher", None)
            if current is None:
                current = state.matcher = Matcher(workspace)
            else:
                current.refresh_if_due()
        return current

    def user():
        return session.user if session is not None else state.user

    @app.get("/deconflict", response_class=HTMLResponse, include_in_schema=False)
    def deconflict_page():
        return pages.shell("Deconfliction", "deconflict", PAGE, scripts=("deconflict.js",))

    @app.post("/api/match", tags=["lookup"], summary="Candidate entities of a record, with probability and waterfall")
    def match(body: MatchIn = Body()):
        try:
            return matcher().match(body.frame(), user(), top=body.top, min_probability=body.min_probability)
        except QueryError as exc:
            raise HTTPException(422, str(exc)) from None

    @app.post("/api/deconflict", tags=["lookup"], summary="Blind deconfliction: hit / possible hit / no hit")
    def deconflict(body: MatchIn = Body()):
        from linkgraph.service.deconfliction import deconflict as run

        if session is None:
            raise HTTPException(422, "deconfliction needs a session (linkgraph serve -w W --user U --case C)")
        try:
            return run(matcher(), body.frame(), session, possible=body.possible)
        except QueryError as exc:
            raise HTTPException(422, str(exc)) from None

    @app.get("/api/deconflict/requests", tags=["lookup"], summary="Deconfliction requests about your entities")
    def requests():
        from linkgraph.service.deconfliction import requests_about

        workspace = getattr(state, "workspace", None)
        if workspace is None:
            raise HTTPException(422, "deconfliction needs a workspace")
        return {"requests": requests_about(workspace, user())}
