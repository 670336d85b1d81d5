"""The investigators' explorer: a JSON API over an :class:`ExplorerState` and a few HTML pages.

``create_app(state)`` builds the FastAPI application; ``run(host, port, ...)`` serves it with
uvicorn, on 127.0.0.1 by default. The pages are fixed shells; ``static/explorer.js`` fills them
from the API with ``textContent`` only, under a ``default-src 'self'`` content security policy.
"""
from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from linkgraph.service import pages, queries
from linkgraph.service.search import KINDS
from linkgraph.service.state import ExplorerState, JudgmentError

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ENTITY_TYPES = ("person", "phone", "vehicle", "company", "container", "place")


def _vis_network() -> Path:
    import pyvis

    return Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2" / "vis-network.min.js"


#: The only files served under /static/ (no path from the request ever reaches the file system).
def _static_files() -> dict[str, tuple[Path, str]]:
    return {"explorer.js": (STATIC / "explorer.js", "text/javascript; charset=utf-8"),
            "explorer.css": (STATIC / "explorer.css", "text/css; charset=utf-8"),
            "vis-network.min.js": (_vis_network(), "text/javascript; charset=utf-8")}


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class JudgmentIn(BaseModel):
    """An analyst's verdict on two mentions of the same type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mention_a: str = Field(min_length=1, max_length=300, description="mention id (source:row:mention)")
    mention_b: str = Field(min_length=1, max_length=300)
    verdict: Literal["same", "different"]
    case_number: str = Field(min_length=1, max_length=64, pattern=r"^\w[\w ./:#°'(),-]*$",
                             description="the case (procedure) the verdict is made in: required")
    analyst: str = Field("", max_length=64)
    justification: str = Field("", max_length=2000)


def _field(loc: Iterable) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def _message(err: dict) -> str:
    """A validation error as text, without the offending input."""
    name = _field(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        return f"{name} is not an accepted field"
    if kind == "string_pattern_mismatch" and name == "case_number":
        return "case_number may hold letters, digits, spaces and . / : # ° ' ( ) , - only"
    return f"{name}: {err.get('msg', 'invalid value')}"


def _host_of(value: str) -> str:
    return urlsplit(value).netloc.lower() if "//" in value else value.lower()


def create_app(state: ExplorerState, *, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The explorer application over ``state``.

    ``allowed_hosts``: accepted ``Host`` headers (against DNS rebinding); ``run`` sets the
    loopback names when serving on a loopback address. None: any.
    """
    app = FastAPI(title="linkgraph explorer", version="1",
                  description="Search entities, see why mentions were merged, expand links, find paths, "
                              "review doubtful pairs. Every fact keeps its provenance (agency, file, row, date).")
    app.state.explorer = state
    statics = _static_files()

    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            if (origin and origin != "null" and _host_of(origin) != request.headers.get("host", "").lower()) \
                    or site == "cross-site" or origin == "null":
                return JSONResponse({"detail": "cross-origin requests are refused"}, status_code=403,
                                    headers=SECURITY_HEADERS)
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(e["message"] for e in errors), "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and not request.url.path.startswith("/api/") and request.method == "GET":
            return HTMLResponse(pages.not_found(), status_code=404)
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such resource"
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    def snap():
        return state.snapshot

    def answer(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KeyError as exc:
            raise HTTPException(404, exc.args[0] if exc.args and isinstance(exc.args[0], str)
                                and exc.args[0].startswith("no such") else "not found") from None
        except LookupError as exc:
            raise HTTPException(503, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None

    # ---- pages ---------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home_page():
        return pages.home()

    @app.get("/entity/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(entity_id: str):
        if entity_id not in snap().entities.index:
            return HTMLResponse(pages.not_found(), status_code=404)
        return pages.entity()

    @app.get("/chart", response_class=HTMLResponse, include_in_schema=False)
    def chart_page():
        return pages.chart()

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets_page():
        return pages.targets()

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review_page():
        return pages.review()

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in statics:
            raise HTTPException(404, "no such file")
        path, media = statics[name]
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    # ---- API -----------------------------------------------------------------------------
    @app.get("/api/status", tags=["explorer"], summary="What is loaded")
    def status():
        s = snap()
        return {"version": s.version, "built_at": s.built_at, "entities": int(len(s.result.entities)),
                "mentions": int(len(s.result.mentions)), "edges": int(len(s.edges)),
                "scores": s.scores is not None, "judgments": int(len(state.judgments.load())),
                "sources": sorted(s.result.rows["source"].unique().tolist()) if len(s.result.rows) else []}

    @app.get("/api/search", tags=["explorer"], summary="Find entities by name, plate, phone or SIREN")
    def search(q: Annotated[str, Query(min_length=1, max_length=200, description="what to look for")],
               kind: Annotated[Literal[KINDS], Query(description="how to read q")] = "auto",
               type: Annotated[Literal[ENTITY_TYPES] | None, Query(description="entity type")] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 20):
        hits = answer(snap().index.search, q, kind=kind, entity_type=type, limit=limit)
        return {"query": q, "kind": kind, "results": hits}

    @app.get("/api/entities/{entity_id}", tags=["explorer"],
             summary="An entity, its mentions with provenance, and why they were merged")
    def entity(entity_id: str, max_mentions: Annotated[int, Query(ge=1, le=5000)] = 500,
               waterfalls: Annotated[int, Query(ge=0, le=500, description="model links explained")] = 25):
        return answer(queries.entity_detail, snap(), entity_id, max_mentions=max_mentions, max_waterfalls=waterfalls)

    @app.get("/api/entities/{entity_id}/neighbours", tags=["explorer"], summary="An entity's links (expand)")
    def neighbours(entity_id: str,
                   type: Annotated[list[str] | None, Query(description="relation types to keep")] = None,
                   agency: Annotated[str | None, Query(max_length=60)] = None,
                   since: Annotated[str | None, Query(max_length=32, description="ISO date")] = None,
                   until: Annotated[str | None, Query(max_length=32, description="ISO date")] = None,
                   limit: Annotated[int, Query(ge=1, le=2000)] = 100):
        types = [t for t in (type or []) if t]
        return answer(queries.neighbours, snap(), entity_id, types=types or None, agency=agency or None,
                      since=since, until=until, limit=limit)

    @app.get("/api/entities/{entity_id}/timeline", tags=["explorer"], summary="An entity's events by date")
    def timeline(entity_id: str, limit: Annotated[int, Query(ge=1, le=10000)] = 500):
        return answer(queries.timeline, snap(), entity_id, limit=limit)

    @app.get("/api/path", tags=["explorer"], summary="Shortest path between two entities")
    def path(from_: Annotated[str, Query(alias="from", min_length=1, max_length=120)],
             to: Annotated[str, Query(min_length=1, max_length=120)],
             via: Annotated[list[Literal[ENTITY_TYPES]] | None,
                            Query(description="entity types allowed between the two ends")] = None):
        return answer(queries.path, snap(), from_, to, via=via or None)

    @app.get("/api/targets", tags=["explorer"], summary="Top priority targets with their explanation")
    def targets(n: Annotated[int, Query(ge=1, le=500)] = 20):
        return answer(queries.targets, snap(), n)

    @app.get("/api/mentions/{mention_id}", tags=["explorer"], summary="One mention with provenance")
    def mention(mention_id: str):
        return answer(queries.mention, snap(), mention_id)

    @app.get("/api/explain", tags=["explorer"], summary="Match waterfall of two mentions")
    def explain(a: Annotated[str, Query(min_length=1, max_length=300)],
                b: Annotated[str, Query(min_length=1, max_length=300)]):
        s = snap()
        steps = answer(queries.waterfall, s, a, b)
        return {"mention_a": a, "mention_b": b, "steps": steps,
                "same_entity": bool(s.mentions.loc[a, "entity_id"] == s.mentions.loc[b, "entity_id"])}

    @app.get("/api/review", tags=["review"], summary="Doubtful pairs not yet judged")
    def review(low: Annotated[float, Query(ge=0, le=1)] = 0.3, high: Annotated[float, Query(ge=0, le=1)] = 0.95,
               type: Annotated[Literal[ENTITY_TYPES] | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0):
        return answer(queries.review_queue, snap(), state.judgments.judged_pairs(), low=low, high=high,
                      entity_type=type, limit=limit, offset=offset)

    @app.get("/api/judgments", tags=["review"], summary="Every stored judgment")
    def judgments():
        return {"judgments": queries.clean(state.judgments.load().to_dict("records"))}

    @app.post("/api/judgments", tags=["review"], status_code=201,
              summary="Record a same/different verdict (applied at the next re-resolution)")
    def judge(judgment: Annotated[JudgmentIn, Body()]):
        s = snap()
        for m in (judgment.mention_a, judgment.mention_b):
            if m not in s.mentions.index:
                raise HTTPException(404, "no such mention")
        if s.mentions.loc[judgment.mention_a, "entity_type"] != s.mentions.loc[judgment.mention_b, "entity_type"]:
            raise HTTPException(422, "both mentions must be of the same entity type")
        try:
            row = state.judgments.add(judgment.mention_a, judgment.mention_b, judgment.verdict,
                                      case_number=judgment.case_number, analyst=judgment.analyst,
                                      justification=judgment.justification)
        except JudgmentError as exc:
            raise HTTPException(422, str(exc)) from None
        together = bool(s.mentions.loc[judgment.mention_a, "entity_id"] == s.mentions.loc[judgment.mention_b, "entity_id"])
        return {"saved": row, "applied": False, "currently_together": together,
                "note": "saved; applied at the next re-resolution (POST /api/reresolve)"}

    @app.post("/api/reresolve", tags=["review"], summary="Resolve again with every stored judgment")
    def reresolve():
        return state.reresolve()

    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts() -> list[str]:
    return ["127.0.0.1", "localhost", "::1", "[::1]"]


def run(host: str = "127.0.0.1", port: int = 8765, *, state: ExplorerState | None = None,
        folder: str | Path = "out/explorer", sources=None, settings=None, log_level: str = "info",
        allowed_hosts: list[str] | None = None) -> None:
    """Serve the explorer with uvicorn (blocking) on ``host:port`` (127.0.0.1 by default).

    ``state``: an existing state; otherwise one is built from ``sources`` (default every mapping
    in ``rules/sources`` with its file) with judgments kept in ``folder/judgments.csv``.
    ``allowed_hosts``: accepted Host headers (default: the loopback names when ``host`` is a
    loopback address, otherwise any).
    """
    import uvicorn

    if not _is_loopback(host):
        log.warning("the explorer is listening on %s: anyone who can reach it can read and judge", host)
    if state is None:
        state = ExplorerState(folder, sources, settings=settings)
    if allowed_hosts is None and _is_loopback(host):
        allowed_hosts = loopback_hosts()
    app = create_app(state, allowed_hosts=allowed_hosts)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False)
