"""A source whose names are HTML/JS payloads (shared by the API and browser tests of the explorer)."""
from __future__ import annotations

import csv
import textwrap
from pathlib import Path

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_FIRST = "</script><script>window.__canary=1</script>"
HOSTILE_CITY = '" href="javascript:window.__canary=2'
HOSTILE_COMPANY = "<svg onload=window.__canary=3>"
HOSTILE_PHONE = "06 99 88 77 66"
HOSTILE_COMMENT = "<b onmouseover=alert(2)>x</b>"


def hostile_source(folder: Path) -> tuple[Path, Path]:
    """A mapping and a CSV file (``hostile_tips``, agency ``signalement``) whose person, city and
    company names are HTML/JS payloads, with a phone, a company SIREN and a hostile comment."""
    folder.mkdir(parents=True, exist_ok=True)
    mapping = folder / "hostile_tips.yaml"
    mapping.write_text(textwrap.dedent("""\
        source: hostile_tips
        agency: signalement
        classification: restricted
        format: csv
        delimiter: ";"
        date: {column: date, dayfirst: true}
        attributes:
          comment: observation
        mentions:
          person:
            type: person
            fields: {last_name: nom, first_name: prenom, city: ville}
          phone:
            type: phone
            fields: {number: telephone}
          company:
            type: company
            fields: {name: societe, siren: siren}
        relations:
          - {type: uses, from: person, to: phone}
          - {type: directs, from: person, to: company}
        """), encoding="utf-8")
    data = folder / "hostile_tips.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["nom", "prenom", "ville", "telephone", "societe", "siren", "date", "observation"])
        w.writerow([HOSTILE_NAME, HOSTILE_FIRST, HOSTILE_CITY, HOSTILE_PHONE, HOSTILE_COMPANY, "123456782",
                    "01/02/2023", HOSTILE_COMMENT])
    return mapping, data
