"""``linkgraph`` commands for real-time lookup and blind deconfliction (issue 17): match, deconflict,
deconflict-requests."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, USER_HELP, USERS_HELP, _fail, _session, app
from linkgraph.errors import LinkgraphError

#: Column names of a records file read as the lookup's fields (French exports).
ALIASES = {"nom": "last_name", "prenom": "first_name", "prénom": "first_name", "date_naissance": "dob",
           "ddn": "dob", "lieu_naissance": "birthplace", "commune_naissance": "birthplace", "adresse": "address",
           "code_postal": "postcode", "ville": "city", "commune": "city", "telephone": "phone",
           "téléphone": "phone", "tel": "phone", "immatriculation": "plate", "plaque": "plate",
           "raison_sociale": "company", "societe": "company", "société": "company", "piece": "id_number"}
MAX_FILE_ROWS = 1_000_000


class RecordsError(LinkgraphError):
    """A records file that cannot be read as lookup records (names the file, the line or the column)."""


def read_records(path: Path):
    """The records of a CSV file (``,`` or ``;``; header = lookup fields or their French names)."""
    import pandas as pd

    from linkgraph.match.realtime import QUERY_FIELDS

    if not path.is_file():
        raise RecordsError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise RecordsError(f"{path}: empty file (a header line naming the fields is expected)")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    names = [ALIASES.get(h.lower(), h.lower()) for h in header]
    unknown = [h for h, n in zip(header, names) if n not in QUERY_FIELDS]
    if unknown:
        raise RecordsError(f"{path}: column {unknown[0]!r} is not a lookup field; the header may name "
                           f"{', '.join(QUERY_FIELDS)} (or nom, prenom, date_naissance, telephone, immatriculation)")
    if len(set(names)) != len(names):
        raise RecordsError(f"{path}: two columns give the same field ({', '.join(header)})")
    body = rows[1:]
    for k, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise RecordsError(f"{path}: line {k}: {len(row)} fields where the header has {len(header)}")
    if len(body) > MAX_FILE_ROWS:
        raise RecordsError(f"{path}: {len(body):,} records; at most {MAX_FILE_ROWS:,} per file")
    return pd.DataFrame(body, columns=names, dtype=object)


def _one_record(**fields):
    import pandas as pd

    given = {k: v for k, v in fields.items() if v is not None and str(v).strip()}
    if not given:
        raise typer.BadParameter("give a record (--last-name, --first-name, --dob, --phone, --plate, --siren…) "
                                 "or --file")
    return pd.DataFrame([given], dtype=object)


def _answer_console(answer: dict, as_json: bool) -> Console | None:
    """Print ``answer`` as JSON (None: nothing more to print), else a console with its unused values listed."""
    if as_json:
        print(json.dumps(answer, ensure_ascii=False, indent=1))
        return None
    console = Console(width=200)
    for e in answer["errors"]:
        console.print(Text(f"row {e['row']}: {e['field']} {e['value']!r} not used: {e['reason']}"))
    return console


def _print(console: Console, rows: list[list[str]], columns: list[str], title: str) -> None:
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*[Text(str(v)) for v in r])
    console.print(table)


@app.command()
def match(
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="A CSV file of records (one per line; header: "
                                        "the fields below, e.g. last_name,first_name,dob,phone)."),
    last_name: Optional[str] = typer.Option(None, "--last-name"),
    first_name: Optional[str] = typer.Option(None, "--first-name"),
    dob: Optional[str] = typer.Option(None, "--dob", help="Date of birth (dd/mm/yyyy or yyyy-mm-dd)."),
    birthplace: Optional[str] = typer.Option(None, "--birthplace"),
    address: Optional[str] = typer.Option(None, "--address"),
    postcode: Optional[str] = typer.Option(None, "--postcode"),
    city: Optional[str] = typer.Option(None, "--city"),
    id_number: Optional[str] = typer.Option(None, "--id-number", help="Passport or ID card number."),
    phone: Optional[str] = typer.Option(None, "--phone"),
    plate: Optional[str] = typer.Option(None, "--plate"),
    siren: Optional[str] = typer.Option(None, "--siren"),
    company: Optional[str] = typer.Option(None, "--company", help="Company name."),
    top: int = typer.Option(5, help="Most candidates per record and entity type."),
    min_probability: float = typer.Option(0.01, "--min-probability", help="Leave out candidates below this."),
    as_json: bool = typer.Option(False, "--json", help="Print the full answer as JSON (waterfalls, evidence)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the JSON answer to this file."),
) -> None:
    """Find the entities a record (or each record of a file) may be, among what --user may see: match
    probability, the explanation of the best mention (waterfall) and the evidence (audited)."""
    from linkgraph.service.realtime import Matcher

    try:
        if file is not None and any(v is not None for v in (last_name, first_name, dob, phone, plate, siren, company,
                                                            birthplace, address, postcode, city, id_number)):
            raise typer.BadParameter("give either --file or one record's fields, not both")
        records = read_records(file) if file is not None else _one_record(
            last_name=last_name, first_name=first_name, dob=dob, birthplace=birthplace, address=address,
            postcode=postcode, city=city, id_number=id_number, phone=phone, plate=plate, siren=siren, company=company)
        if not 0 <= min_probability < 1:
            raise typer.BadParameter("--min-probability is a probability between 0 and 1")
        ws, session = _session(workspace, users, user, case)
        session.check("match", [], {"command": "match"})
        answer = Matcher(ws).match(records, session.user, top=top, min_probability=min_probability)
        if file is None and answer["errors"]:
            e = answer["errors"][0]
            raise LinkgraphError(f"--{e['field'].replace('_', '-')} {e['value']!r}: {e['reason']}")
        ids = sorted({c["entity_id"] for r in answer["results"] for c in r["candidates"]})
        session.allow("match", ids, {"command": "match", "records": len(records),
                                     "query": session.query_digest(records.to_csv(index=False)),
                                     "file": file.name if file is not None else ""})
        if output is not None:
            output.write_text(json.dumps(answer, ensure_ascii=False, indent=1), encoding="utf-8")
    except (LinkgraphError, ValueError, OSError) as exc:
        _fail(exc)
    console = _answer_console(answer, as_json)
    if console is None:
        return
    rows = [[r["row"], c["entity_id"], c["entity_type"], f"{c['probability']:.6f}", c["status"], c["mentions"],
             ", ".join(c["agencies"])] for r in answer["results"] for c in r["candidates"]]
    _print(console, rows, ["row", "entity", "type", "probability", "status", "mentions", "agencies"],
           f"{len(rows)} candidate(s) for {len(records)} record(s)")
    if file is None and rows:
        best = answer["results"][0]["candidates"][0]
        steps = [[s["step"], s["level"], "" if s["weight"] is None else f"{s['weight']:+.2f}"] for s in best["waterfall"]]
        _print(console, steps, ["comparison", "level", "weight (bits)"], f"why {best['entity_id']}")
        ev = [[m["mention_id"], m["agency"], m["file"], m["row"], m["date"] or ""] for m in best["evidence"]]
        _print(console, ev, ["mention", "agency", "file", "row", "date"], f"evidence you may see ({best['mentions']} mentions)")


@app.command()
def deconflict(
    file: Path = typer.Argument(..., help="CSV of identifiers to check (header: last_name, first_name, dob, phone, "
                                "plate, siren… or nom, prenom, date_naissance, telephone, immatriculation)."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    possible: float = typer.Option(0.5, help="A match probability from which a row is a 'possible hit' (below the "
                                   "model's merge threshold, which makes a 'hit')."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Blind deconfliction: per row, only hit / possible hit / no hit, the agencies to contact and a contact
    reference — never a fact of files you may not see. The owners see who asked (deconflict-requests)."""
    from linkgraph.service.deconfliction import deconflict as run
    from linkgraph.service.realtime import Matcher

    try:
        records = read_records(file)
        ws, session = _session(workspace, users, user, case)
        session.check("deconflict", [], {"command": "deconflict"})
        answer = run(Matcher(ws), records, session, possible=possible)
    except (LinkgraphError, ValueError, OSError) as exc:
        _fail(exc)
    console = _answer_console(answer, as_json)
    if console is None:
        return
    _print(console, [[r["row"], r["status"], ", ".join(r["agencies"]), r["contact"]] for r in answer["rows"]],
           ["row", "status", "agencies to contact", "contact reference"], f"{file.name}: {len(answer['rows'])} row(s)")


@app.command("deconflict-requests")
def deconflict_requests(
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """Who asked about entities you hold (deconfliction requests): when, who, for which case, the
    contact reference they were given and your mentions of the entity (audited)."""
    from linkgraph.service.deconfliction import requests_about

    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("view", [], {"command": "deconflict-requests"})
        found = requests_about(ws, session.user)
    except (LinkgraphError, ValueError, OSError) as exc:
        _fail(exc)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    _print(Console(width=200), [[r["at"], r["requester"], r["case"], r["contact"], r["status"],
                                 ", ".join(r["your_mentions"])] for r in found],
           ["when", "who asked", "case", "contact reference", "status", "your mentions"],
           f"{len(found)} request(s) about entities you hold")
