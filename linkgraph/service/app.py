"""The investigators' explorer: a JSON API over an explorer state and a few HTML pages.

``create_app(state, session=...)`` builds the FastAPI application; ``run(host, port, ...)`` serves
it with uvicorn, on 127.0.0.1 by default. The pages are fixed shells; ``static/explorer.js`` fills
them from the API with ``textContent`` only, under a ``default-src 'self'`` content security policy.

With a :class:`~linkgraph.service.session.Session` (``linkgraph serve --workspace``), the state is a
:class:`~linkgraph.service.workspace_state.WorkspaceState` (the user's view: visible facts only) and
every route goes through one dependency that looks its action up in :data:`ROUTE_ACTIONS`, checks
the user's role and writes the audit record (user, action, ids, case number) before the handler
runs; a route missing from the table answers 500 (fail closed). Requests need the session token
(cookie set by the URL ``/?token=…`` that ``serve`` prints, or the ``X-Linkgraph-Token`` header).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from linkgraph.service import pages, queries
from linkgraph.service.realtime_routes import PAGES as LOOKUP_PAGES
from linkgraph.service.realtime_routes import ROUTES as LOOKUP_ROUTES
from linkgraph.service.realtime_routes import SELF_AUDITED, add_routes
from linkgraph.service.search import KINDS
from linkgraph.store.schema import WorkspaceBusy
from linkgraph.service.session import Session, safe_ids
from linkgraph.service.state import ExplorerState, JudgmentError
from linkgraph.store.access import AccessDenied
from linkgraph.store.audit import AuditError

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
            "glyphs.js": (STATIC / "glyphs.js", "text/javascript; charset=utf-8"),
            "explorer_chart.js": (STATIC / "explorer_chart.js", "text/javascript; charset=utf-8"),
            "deconflict.js": (STATIC / "deconflict.js", "text/javascript; charset=utf-8"),
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


#: (method, route path) → audit action (the role permission it needs, see linkgraph.store.access).
ROUTE_ACTIONS: dict[tuple[str, str], str] = {
    ("GET", "/api/status"): "view",
    ("GET", "/api/search"): "search",
    ("GET", "/api/records"): "search",
    ("GET", "/api/entities/{entity_id}"): "view",
    ("GET", "/api/entities/{entity_id}/neighbours"): "chart",
    ("GET", "/api/entities/{entity_id}/timeline"): "view",
    ("GET", "/api/path"): "chart",
    ("GET", "/api/targets"): "score",
    ("GET", "/api/mentions/{mention_id}"): "view",
    ("GET", "/api/explain"): "view",
    ("GET", "/api/review"): "view",
    ("GET", "/api/judgments"): "view",
    ("POST", "/api/judgments"): "judgment",
    ("POST", "/api/reresolve"): "resolve",
    ("GET", "/api/alerts"): "alerts",
    **LOOKUP_ROUTES,
}
#: Routes that serve no data (fixed files and the pages' HTML shells, whose script fetches every value
#: from /api/ with the session token): neither audited nor behind the token.
UNAUDITED = {"/static/{name}", "/favicon.ico", "/", "/entity/{entity_id}", "/chart", "/targets", "/review", "/inbox",
             *LOOKUP_PAGES}
#: Largest request body accepted (a judgment is a few hundred bytes).
MAX_BODY = 64 * 1024
#: Query parameters holding object ids (logged as ids).
ID_PARAMS = ("from", "to", "a", "b")
#: The session token travels in this header only (never a cookie: cookies ignore ports, so another
#: local service would receive it; never the query string: it would reach logs and history). The
#: printed address carries it in the fragment (``/#token=…``, never sent to the server), from where
#: the page's script keeps it in sessionStorage (per origin, port included) and sends it on each call.
TOKEN_HEADER = "X-Linkgraph-Token"


class NoQueryFilter(logging.Filter):
    """Drops the query string from uvicorn's access log lines (search text, ids stay out of the console)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


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


def create_app(state, *, allowed_hosts: list[str] | None = None, session: Session | None = None) -> FastAPI:
    """The explorer application over ``state`` (an :class:`ExplorerState` over files, or a
    :class:`~linkgraph.service.workspace_state.WorkspaceState` with ``session``).

    ``allowed_hosts``: accepted ``Host`` headers (against DNS rebinding); ``run`` sets the
    loopback names when serving on a loopback address. None: any.
    ``session``: the analyst's session: every route is then permission-checked and audited.
    """

    async def audited(request: Request) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path", "")
        if path in UNAUDITED:
            return
        action = ROUTE_ACTIONS.get((request.method.upper(), path))
        if action is None:
            raise HTTPException(500, "this endpoint has no audit action: refused")
        if session is None:
            return
        ids = list(request.path_params.values()) + [request.query_params.get(k) for k in ID_PARAMS]
        details: dict = {"endpoint": path, "method": request.method.upper()}
        if request.query_params.get("q"):
            details["query"] = session.query_digest(request.query_params["q"])
        if request.method.upper() == "POST" and path == "/api/judgments":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                ids += [v for v in (body.get("mention_a"), body.get("mention_b")) if isinstance(v, str)]
                if body.get("verdict") in ("same", "different"):
                    details["verdict"] = body["verdict"]
        if request.method.upper() == "POST" and path == "/api/match":
            details["query"] = session.query_digest((await request.body()).decode("utf-8", "replace"))
        try:
            if request.method.upper() == "POST" and (path == "/api/judgments" or path in SELF_AUDITED):
                session.check(action, safe_ids(ids), details)  # the judgment writes its record with itself
            else:
                session.allow(action, safe_ids(ids), details)
        except AccessDenied as exc:
            raise HTTPException(403, str(exc)) from None
        except WorkspaceBusy:  # another process is writing: the record (and the answer) must wait
            raise HTTPException(503, "the workspace is busy (another writer): try again in a moment",
                                headers={"Retry-After": "5"}) from None
        except AuditError as exc:
            if "audit log" in str(exc) or "audit chain" in str(exc):  # fail closed: nothing unlogged is served
                raise HTTPException(503, "the audit log cannot be written: nothing is served until it is repaired",
                                    headers={"Retry-After": "60"}) from None
            raise HTTPException(422, "invalid request") from None

    docs = {} if session is None else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="linkgraph explorer", version="1", dependencies=[Depends(audited)], **docs,
                  description="Search entities, see why mentions were merged, expand links, find paths, "
                              "review doubtful pairs. Every fact keeps its provenance (agency, file, row, date).")
    app.state.explorer = state
    app.state.session = session
    statics = _static_files()

    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    def signed_in(request: Request) -> bool:
        if session is None or session.token is None:
            return True
        given = request.headers.get(TOKEN_HEADER) or ""
        return hmac.compare_digest(given.encode(), session.token.encode())

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        fixed = path.startswith("/static/") or path == "/favicon.ico"
        if not fixed:
            # another origin (another port of 127.0.0.1 is "same-site": refused too) may not even read
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            if (site is not None and site not in ("same-origin", "none")) or origin == "null" or (
                    origin and _host_of(origin) != request.headers.get("host", "").lower()):
                return JSONResponse({"detail": "cross-origin requests are refused"}, status_code=403,
                                    headers=SECURITY_HEADERS)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return JSONResponse({"detail": "a request body needs a Content-Length"}, status_code=411,
                                    headers=SECURITY_HEADERS)
            if int(length) > MAX_BODY:
                return JSONResponse({"detail": f"request body larger than {MAX_BODY} bytes"}, status_code=413,
                                    headers=SECURITY_HEADERS)
        if session is not None and session.token is not None and path.startswith("/api/") and not signed_in(request):
            return JSONResponse({"detail": "not signed in: open the address printed by linkgraph serve"},
                                status_code=401, headers=SECURITY_HEADERS)
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
        if session is None and entity_id not in snap().entities.index:  # with a session: a data-free shell
            return HTMLResponse(pages.not_found(), status_code=404)
        return pages.entity()

    @app.get("/chart", response_class=HTMLResponse, include_in_schema=False)
    def chart_page():
        return pages.chart()

    @app.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page():
        return pages.inbox()

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
                "scores": s.scores is not None, "judgments": int(len(state.judgment_rows())),
                "sources": sorted(s.result.rows["source"].unique().tolist()) if len(s.result.rows) else []}

    @app.get("/api/alerts", tags=["explorer"], summary="Alerts on watched entities (a workspace's inbox)")
    def alerts(since: Annotated[int, Query(ge=0, description="only alerts numbered above")] = 0):
        from linkgraph.store.watchlists import read_alerts

        workspace = getattr(state, "workspace", None)
        if workspace is None:   # a run folder has no watchlists
            return {"alerts": [], "note": "alerts live in a workspace (linkgraph serve -w)"}
        return {"alerts": queries.clean(read_alerts(workspace, state.user, since=since))}

    @app.get("/api/search", tags=["explorer"], summary="Find entities by name, plate, phone or SIREN")
    def search(q: Annotated[str, Query(min_length=1, max_length=200, description="what to look for")],
               kind: Annotated[Literal[KINDS], Query(description="how to read q")] = "auto",
               type: Annotated[Literal[ENTITY_TYPES] | None, Query(description="entity type")] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 20):
        hits = answer(snap().index.search, q, kind=kind, entity_type=type, limit=limit)
        return {"query": q, "kind": kind, "results": hits}

    @app.get("/api/records", tags=["explorer"], summary="Source rows by record id (procedure, seizure number)")
    def records(q: Annotated[str, Query(min_length=1, max_length=120, description="a record id")],
                limit: Annotated[int, Query(ge=1, le=200)] = 50):
        return answer(queries.records, snap(), q, limit=limit)

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
                "same_entity": bool(s.mentions.loc[a, "entity_id"] == s.mentions.loc[b, "entity_id"]),
                "why": answer(queries.pair_reason, s, a, b, state.judgment_rows())}

    @app.get("/api/review", tags=["review"], summary="Doubtful pairs not yet judged")
    def review(low: Annotated[float, Query(ge=0, le=1)] = 0.3, high: Annotated[float, Query(ge=0, le=1)] = 0.95,
               type: Annotated[Literal[ENTITY_TYPES] | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0):
        return answer(queries.review_queue, snap(), state.judged_pairs(), low=low, high=high,
                      entity_type=type, limit=limit, offset=offset)

    @app.get("/api/judgments", tags=["review"], summary="Every stored judgment")
    def judgments():
        return {"judgments": queries.clean(state.judgment_rows().to_dict("records"))}

    @app.post("/api/judgments", tags=["review"], status_code=201,
              summary="Record a same/different verdict (over a workspace: applied at once)")
    def judge(judgment: Annotated[JudgmentIn, Body()]):
        try:
            # over a session the case is the session's (the audit record's), never the request's
            case = session.case_number if session is not None else judgment.case_number
            return state.judge(judgment.mention_a, judgment.mention_b, judgment.verdict,
                               case_number=case, analyst=judgment.analyst,
                               justification=judgment.justification)
        except WorkspaceBusy:
            raise HTTPException(503, "the workspace is busy (another writer): try again in a moment",
                                headers={"Retry-After": "5"}) from None
        except KeyError:
            if session is not None:  # a refusal is audited with the attempted action
                session.record("access_denied", safe_ids([judgment.mention_a, judgment.mention_b]),
                               {"action": "judgment", "endpoint": "/api/judgments"})
            raise HTTPException(404, "no such mention") from None
        except JudgmentError as exc:
            if session is not None:
                session.record("access_denied", safe_ids([judgment.mention_a, judgment.mention_b]),
                               {"action": "judgment", "endpoint": "/api/judgments", "reason": "invalid"})
            raise HTTPException(422, str(exc)) from None

    @app.post("/api/reresolve", tags=["review"], summary="Resolve again with every stored judgment")
    def reresolve():
        return state.reresolve()

    add_routes(app, state, session)  # lookup and deconfliction (issue 17)
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


def run(host: str = "127.0.0.1", port: int = 8765, *, state=None,
        folder: str | Path = "out/explorer", sources=None, settings=None, log_level: str = "info",
        allowed_hosts: list[str] | None = None, session: Session | None = None,
        ssl_certfile: str | None = None, ssl_keyfile: str | None = None) -> None:
    """Serve the explorer with uvicorn (blocking) on ``host:port`` (127.0.0.1 by default).

    ``state``: an existing state; otherwise one is built from ``sources`` (default every mapping
    in ``rules/sources`` with its file) with judgments kept in ``folder/judgments.csv``.
    ``allowed_hosts``: accepted Host headers (default: the loopback names when ``host`` is a
    loopback address, otherwise ``host`` itself). ``session``: the analyst's session: token,
    access control, audit. An address other than loopback needs TLS (``ssl_certfile``/``ssl_keyfile``).
    """
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    if not _is_loopback(host) and not (ssl_certfile and ssl_keyfile):
        raise ValueError(f"the explorer listens on {host} only with TLS (--tls-cert and --tls-key): the session "
                         "token and the data would cross the network in clear")
    if state is None:
        state = ExplorerState(folder, sources, settings=settings)
    if allowed_hosts is None:
        allowed_hosts = loopback_hosts() if _is_loopback(host) else [host]
    app = create_app(state, allowed_hosts=allowed_hosts, session=session)
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["noquery"] = {"()": "linkgraph.service.app.NoQueryFilter"}
    config["handlers"]["access"]["filters"] = ["noquery"]
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False,
                log_config=config, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
