"""A workspace for access-control tests: the gendarmerie fixture plus four small agency files whose
every name, phone, plate, company, source id, file name and agency id is a unique marker.

    world = build_world(tmp_path)          # World(path, users_file, users, files, markers)
    world.hidden_markers("ax")             # the strings user ax must never see

Files (source id = file stem):

- ``agxpol_open.csv`` (agency ``agxpol``, restricted) and ``agxpol_secret.csv`` (``agxpol``, secret);
- ``agyden_tips.csv`` (``agyden``, confidential); ``agzdou_seizures.csv`` (``agzdou``, restricted).

Planted cases: person ``Jeanne DUPONTEL`` (born 1980-01-01) is in agxpol_open, agxpol_secret and
agyden_tips and the phone ``06 11 00 00 99`` in agxpol_open and agyden_tips (entities partly hidden);
``Mohamed QUASIMODO`` (agxpol_open, id 12AB34567) and ``Karim BRIDGEMAN`` (agxpol_open, born
1985-03-03) are joined only through an agyden_tips mention holding both the id number and that
name and date of birth (the bridge).
"""
from __future__ import annotations

import csv
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HEADER = ["nom", "prenom", "date_naissance", "piece", "telephone", "immatriculation", "societe", "siren", "date",
          "observation"]

#: (source, agency, classification, rows)
FILES = {
    "agxpol_open": ("agxpol", "restricted", [
        ["QUASIMODO", "Mohamed", "", "12AB34567", "0611000001", "AA-001-XA", "", "", "02/01/2023", "a"],
        ["BRIDGEMAN", "Karim", "03/03/1985", "", "0611000002", "", "", "", "03/01/2023", "b"],
        ["DUPONTEL", "Jeanne", "01/01/1980", "", "0611000099", "", "", "", "04/01/2023", "c"],
        ["XAVOPENA", "Alphonse", "12/12/1971", "", "0611000003", "AX-111-AA", "AGXOPEN SARL", "732829320",
         "05/01/2023", "d"],
    ]),
    "agxpol_secret": ("agxpol", "secret", [
        ["XAVSECRETA", "Sigismond", "11/11/1977", "", "0611000004", "AX-222-SX", "XSECRETCO SAS", "", "06/01/2023",
         "e"],
        ["DUPONTEL", "Jeanne", "01/01/1980", "", "0611000005", "", "", "", "07/01/2023", "f"],
    ]),
    "agyden_tips": ("agyden", "confidential", [
        ["BRIDGEMAN", "Karim", "03/03/1985", "12AB34567", "0622000001", "", "", "", "08/01/2023", "g"],
        ["DUPONTEL", "Jeanne", "01/01/1980", "", "0611000099", "", "", "", "09/01/2023", "h"],
        ["YANKEEMARK", "Yolanda", "05/05/1966", "", "0622000002", "YY-333-YY", "AGYONLY SAS", "", "10/01/2023", "i"],
    ]),
    "agzdou_seizures": ("agzdou", "restricted", [
        ["ZULUMARK", "Zebulon", "07/07/1969", "", "0633000001", "ZZ-444-ZZ", "ZULUCO SARL", "", "11/01/2023", "j"],
        ["ZULUMARK", "Zebulon", "07/07/1969", "", "0633000001", "", "", "", "12/01/2023", "k"],
    ]),
}

#: Marker strings of each file (found in no other file): what must never reach a user who may not see
#: that file. The names shared on purpose (DUPONTEL, BRIDGEMAN, the id 12AB34567, 06 11 00 00 99) are not
#: markers; the tests on partly hidden and bridged entities check them.
MARKERS = {
    "agxpol_open": ["QUASIMODO", "XAVOPENA", "Alphonse", "0611000001", "0611000002", "0611000003",
                    "+33611000001", "+33611000002", "+33611000003", "AA-001-XA", "AX-111-AA", "AGXOPEN",
                    "agxpol_open"],
    "agxpol_secret": ["XAVSECRETA", "Sigismond", "0611000004", "+33611000004", "0611000005", "+33611000005",
                      "AX-222-SX", "XSECRETCO", "agxpol_secret"],
    "agyden_tips": ["YANKEEMARK", "Yolanda", "0622000001", "+33622000001", "0622000002", "+33622000002",
                    "YY-333-YY", "AGYONLY", "agyden_tips", "agyden"],
    "agzdou_seizures": ["ZULUMARK", "Zebulon", "0633000001", "+33633000001", "ZZ-444-ZZ", "ZULUCO",
                        "agzdou_seizures", "agzdou"],
    "gendarmerie": ["gendarmerie.csv", "gendarmerie:"],
}

USERS_YAML = """\
users:
  vx:  {role: viewer, agencies: [agxpol], max_classification: restricted}
  ax:  {role: analyst, agencies: [agxpol], max_classification: restricted}
  ay:  {role: analyst, agencies: [agyden], max_classification: confidential}
  az:  {role: reviewer, agencies: [agzdou, gendarmerie], max_classification: confidential}
  rv:  {role: reviewer, agencies: "*", max_classification: confidential}
  adm: {role: admin, agencies: "*", max_classification: secret}
  adx: {role: admin, agencies: [agxpol], max_classification: restricted}
"""


def mapping_text(source: str, agency: str, classification: str) -> str:
    return textwrap.dedent(f"""\
        source: {source}
        agency: {agency}
        classification: {classification}
        format: csv
        delimiter: ";"
        date: {{column: date, dayfirst: true}}
        attributes:
          comment: observation
        mentions:
          person:
            type: person
            fields: {{last_name: nom, first_name: prenom, dob: {{column: date_naissance, dayfirst: true}},
                      id_number: piece}}
          phone:
            type: phone
            fields: {{number: telephone}}
          vehicle:
            type: vehicle
            fields: {{plate: immatriculation}}
          company:
            type: company
            fields: {{name: societe, siren: siren}}
        relations:
          - {{type: uses, from: person, to: phone}}
          - {{type: drives, from: person, to: vehicle}}
          - {{type: directs, from: person, to: company}}
        """)


def write_source(folder: Path, source: str) -> tuple[Path, Path]:
    """The mapping and CSV file of one planted source (in ``folder``)."""
    agency, classification, rows = FILES[source]
    folder.mkdir(parents=True, exist_ok=True)
    mapping = folder / f"{source}.yaml"
    mapping.write_text(mapping_text(source, agency, classification), encoding="utf-8")
    data = folder / f"{source}.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    return mapping, data


@dataclass
class World:
    path: Path                       # the workspace database
    users_file: Path
    specs: list[tuple[Path, Path | None]]
    agencies: dict[str, tuple[str, str]] = field(default_factory=dict)  # source -> (agency, classification)

    def sees(self, user: str, source: str) -> bool:
        from linkgraph.store.access import load_users

        agency, classification = self.agencies[source]
        return load_users(self.users_file)[user].sees(agency, classification)

    def hidden_markers(self, user: str) -> list[str]:
        """Every marker of every source ``user`` may not see."""
        return [m for source, marks in MARKERS.items() if not self.sees(user, source) for m in marks]

    def visible_markers(self, user: str) -> list[str]:
        return [m for source, marks in MARKERS.items() if self.sees(user, source) for m in marks]


def build_world(folder: Path) -> World:
    """Create the workspace ``folder/world.lgw`` with the gendarmerie fixture and the planted files."""
    from linkgraph.store.workspace import Workspace

    folder.mkdir(parents=True, exist_ok=True)
    specs: list[tuple[Path, Path | None]] = [(REPO / "rules" / "sources" / "gendarmerie.yaml", None)]
    agencies = {"gendarmerie": ("gendarmerie", "confidential")}
    for source, (agency, classification, _) in FILES.items():
        specs.append(write_source(folder / "files", source))
        agencies[source] = (agency, classification)
    users = folder / "users.yaml"
    users.write_text(USERS_YAML, encoding="utf-8")
    path = folder / "world.lgw"
    ws = Workspace.create(path)
    ws.bind_users(users)  # the workspace's own users (a --users naming the same file is accepted)
    ws.ingest_many(specs)
    return World(path, users, specs, agencies)
