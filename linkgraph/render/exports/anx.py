"""i2 Analyst's Notebook chart exchange files (ANX, ``.anx``): the chart itself, not a CSV to import.

ANB opens an ANX file with File > Open. Structure written (i2's ANX schema, ANB 9 and later)::

    <Chart Rigorous="true" IdReferenceLinking="false">
      <ApplicationVersion Major="9" .../>
      <StrengthCollection>  Confirmed (solid), Unconfirmed (dashed), Inferred (dotted)
      <AttributeClassCollection>  Record ids, Agencies, First seen, Last seen, Count, ...
      <EntityTypeCollection>  one EntityType per entity type: IconFile (an i2 standard icon
                              name, :data:`ANX_ICONS`), Colour (the shared vocabulary's colour)
      <LinkTypeCollection>    one LinkType per relation type, Colour
      <ChartItemCollection>
        <ChartItem Label=... DateSet DateTime SourceReference XPosition>      an entity
          <End X Y Z><Entity EntityId Identity><Icon><IconStyle Type EntityTypeReference/>
          <AttributeCollection><Attribute AttributeClass AttributeClassReference Value/>
        <ChartItem Label=... DateSet DateTime SourceReference>                 a link
          <Link End1Id End2Id><LinkStyle Strength ArrowStyle Type LinkTypeReference LineColour/>
          <AttributeCollection>...

Links carry their relation type, direction (``ArrowOnHead`` / ``ArrowNone``), strength (Confirmed
when two sources or more state them, Inferred for inferred links, else Unconfirmed), first date,
count, agencies, classification, the evidence rows and the rows' record ids (procedure and
seizure numbers). Entities carry their positions (the chart layout), dates, agencies and record ids.
:func:`read_anx` reads such a file back (entities and links), for checks and round trips.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from linkgraph.render.exports.tables import _edge_frame, _node_frame
from linkgraph.render.exports.values import _joined, _missing, _typed, xml_text
from linkgraph.render.style import edge_style, entity_style
from linkgraph.store.files import _atomic_write

__all__ = ["ANX_ICONS", "ANX_TYPES", "anx_document", "export_i2_anx", "read_anx"]

#: Entity type → (i2 entity type name, i2 standard icon name).
ANX_TYPES: dict[str, tuple[str, str]] = {
    "person": ("Person", "Person"), "phone": ("Telephone", "Mobile Phone"), "vehicle": ("Vehicle", "Car"),
    "company": ("Organisation", "Organisation"), "container": ("Container", "Container"),
    "place": ("Location", "Location"), "dealing_point": ("Dealing point", "Drugs"),
}
ANX_ICONS = {k: icon for k, (_, icon) in ANX_TYPES.items()}
_STRENGTHS = (("Confirmed", "DotStyleSolid"), ("Unconfirmed", "DotStyleDashed"), ("Inferred", "DotStyleDotted"))
#: Attribute classes: name → (ANX type, source column).
_ENTITY_ATTRS = (("Entity type", "AttText", "entity_type"), ("Agencies", "AttText", "agencies"),
                 ("First seen", "AttText", "first_seen"), ("Last seen", "AttText", "last_seen"),
                 ("Mentions", "AttNumber", "mentions"), ("Record ids", "AttText", "record_ids"))
_LINK_ATTRS = (("Relation", "AttText", "type"), ("Count", "AttNumber", "count"), ("Last seen", "AttText", "last_seen"),
               ("Agencies", "AttText", "agencies"), ("Classification", "AttText", "classification"),
               ("Evidence", "AttText", "evidence"), ("Record ids", "AttText", "record_ids"))


def _colorref(colour: str) -> str:
    """``#rrggbb`` as a Windows COLORREF integer (red + green·256 + blue·65536), i2's colour format."""
    r, g, b = int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
    return str(r + 256 * g + 65536 * b)


def _datetime(value: Any) -> tuple[str | None, bool]:
    """(ANX DateTime ``YYYY-MM-DDTHH:MM:SS``, time set) of an ISO date or date-time; (None, False) else."""
    text = _typed(value, str)
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?", text.strip()) if text else None
    if not m:
        return None, False
    time = m.group(2)
    if time and len(time) == 5:
        time += ":00"
    return f"{m.group(1)}T{time or '00:00:00'}", bool(time)


def _record_ids(rows: pd.DataFrame | None) -> dict[str, str]:
    """``source:row`` → record id for the rows that have one."""
    if rows is None or not len(rows) or "record_id" not in rows:
        return {}
    r = rows.dropna(subset=["record_id"])
    return dict(zip(r["source"].astype(str) + ":" + r["row"].astype(str), r["record_id"].astype(str)))


def anx_document(entities: pd.DataFrame | None, edges: pd.DataFrame, *, rows: pd.DataFrame | None = None,
                 mentions: pd.DataFrame | None = None, positions: dict[str, tuple[float, float]] | None = None,
                 title: str = "linkgraph chart") -> ET.Element:
    """The ``<Chart>`` element of :func:`export_i2_anx`."""
    edges = _edge_frame(edges)
    nodes = _node_frame(entities, edges)
    ids = nodes["entity_id"].astype(str).tolist()
    if positions is None:
        from linkgraph.render.layout import layout_positions

        positions = layout_positions(ids, zip(edges["from_entity"].astype(str), edges["to_entity"].astype(str)))
    record_of = _record_ids(rows)
    node_records: dict[str, str] = {}
    if mentions is not None and len(mentions) and record_of:
        keys = mentions["source"].astype(str) + ":" + mentions["row"].astype(str)
        found = pd.DataFrame({"entity_id": mentions["entity_id"].astype(str), "rid": keys.map(record_of)}).dropna()
        node_records = found.groupby("entity_id")["rid"].agg(lambda s: ";".join(sorted(set(s)))).to_dict()

    root = ET.Element("Chart", {"Rigorous": "true", "IdReferenceLinking": "false"})
    ET.SubElement(root, "ApplicationVersion", Major="9", Minor="0", Point="0", Build="0")
    strengths = ET.SubElement(root, "StrengthCollection")
    for i, (name, dots) in enumerate(_STRENGTHS):
        ET.SubElement(strengths, "Strength", Id=f"S{i + 1}", Name=name, DotStyle=dots)
    classes = ET.SubElement(root, "AttributeClassCollection")
    class_ref: dict[str, str] = {}
    for name, kind, _ in _ENTITY_ATTRS + _LINK_ATTRS:
        if name not in class_ref:
            class_ref[name] = f"AC{len(class_ref) + 1}"
            ET.SubElement(classes, "AttributeClass", Id=class_ref[name], Name=name, Type=kind, IsUser="true",
                          UserCanAdd="true", UserCanRemove="true")
    kinds = sorted({str(t) if not _missing(t) else "other" for t in nodes["entity_type"]})
    etypes = ET.SubElement(root, "EntityTypeCollection")
    type_ref: dict[str, str] = {}
    for i, kind in enumerate(kinds):
        name, icon = ANX_TYPES.get(kind, (kind, "General"))
        type_ref[kind] = f"ET{i + 1}"
        ET.SubElement(etypes, "EntityType", Id=type_ref[kind], Name=xml_text(name), IconFile=icon,
                      Colour=_colorref(entity_style(kind)["colour"]), PreferredRepresentation="RepresentAsIcon")
    rels = sorted({str(t) for t in edges["type"]}) if len(edges) else []
    ltypes = ET.SubElement(root, "LinkTypeCollection")
    link_ref: dict[str, str] = {}
    for i, rel in enumerate(rels):
        link_ref[rel] = f"LT{i + 1}"
        ET.SubElement(ltypes, "LinkType", Id=link_ref[rel], Name=xml_text(rel),
                      Colour=_colorref(edge_style(rel)["colour"]))
    items = ET.SubElement(root, "ChartItemCollection")

    def attributes(item: ET.Element, values: list[tuple[str, Any]]) -> None:
        coll = None
        for name, value in values:
            value = _joined(value)
            if _missing(value):
                continue
            if coll is None:
                coll = ET.SubElement(item, "AttributeCollection")
            ET.SubElement(coll, "Attribute", AttributeClass=name, AttributeClassReference=class_ref[name],
                          Value=xml_text(value))

    entity_number: dict[str, int] = {}
    for i, rec in enumerate(nodes.to_dict("records")):
        eid = str(rec["entity_id"])
        entity_number[eid] = i + 1
        kind = str(rec["entity_type"]) if not _missing(rec.get("entity_type")) else "other"
        x, y = positions.get(eid, (0.0, 0.0))
        label = xml_text(_typed(rec.get("label"), str) or eid)
        attrs = {"Id": f"E{i + 1}", "Label": label, "XPosition": str(int(round(x)))}
        when, timed = _datetime(rec.get("first_seen"))
        if when:
            attrs.update(DateSet="true", TimeSet="true" if timed else "false", DateTime=when)
        item = ET.SubElement(items, "ChartItem", attrs)
        end = ET.SubElement(item, "End", X=str(int(round(x))), Y=str(int(round(y))), Z="0")
        entity = ET.SubElement(end, "Entity", EntityId=str(i + 1), Identity=xml_text(eid),
                               LabelIsIdentity="true" if label == eid else "false")
        icon = ET.SubElement(entity, "Icon")
        ET.SubElement(icon, "IconStyle", Type=xml_text(ANX_TYPES.get(kind, (kind, ""))[0]),
                      EntityTypeReference=type_ref[kind])
        rec["record_ids"] = node_records.get(eid)
        attributes(item, [(name, rec.get(col)) for name, _, col in _ENTITY_ATTRS])

    for j, rec in enumerate(edges.to_dict("records")):
        rel = str(rec["type"])
        evidence = _joined(rec.get("evidence"))
        evidence_items = [] if _missing(evidence) else str(evidence).split(";")
        rec["record_ids"] = ";".join(dict.fromkeys(record_of[e] for e in evidence_items if e in record_of)) or None
        inferred = bool(_typed(rec.get("inferred"), bool)) or rel == "seen_together" or "~inferred" in rel
        n_sources = _typed(rec.get("n_sources"), int) or 0
        strength = "Inferred" if inferred else ("Confirmed" if n_sources >= 2 else "Unconfirmed")
        count = _typed(rec.get("count"), int)
        attrs = {"Id": f"L{j + 1}", "Label": xml_text(rel if not count or count < 2 else f"{rel} ({count})")}
        when, timed = _datetime(rec.get("first_seen"))
        if when:
            attrs.update(DateSet="true", TimeSet="true" if timed else "false", DateTime=when)
        if evidence_items:
            attrs["SourceReference"] = xml_text(";".join(evidence_items[:20]))
        item = ET.SubElement(items, "ChartItem", attrs)
        link = ET.SubElement(item, "Link", End1Id=str(entity_number[str(rec["from_entity"])]),
                             End2Id=str(entity_number[str(rec["to_entity"])]))
        directed = _typed(rec.get("directed"), bool)
        ET.SubElement(link, "LinkStyle", Strength=strength, ArrowStyle="ArrowNone" if directed is False else "ArrowOnHead",
                      Type=xml_text(rel), LinkTypeReference=link_ref[rel],
                      LineColour=_colorref(edge_style(rel, inferred)["colour"]),
                      LineWidth=str(min(5, 1 + (count or 1).bit_length() // 2)))
        attributes(item, [(name, rec.get(col)) for name, _, col in _LINK_ATTRS])
    summary = ET.SubElement(root, "Summary")
    fields = ET.SubElement(summary, "FieldCollection")
    ET.SubElement(fields, "Field", Type="SummaryFieldTitle", Field=xml_text(title))
    return root


def export_i2_anx(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path, *,
                  rows: pd.DataFrame | None = None, mentions: pd.DataFrame | None = None,
                  positions: dict[str, tuple[float, float]] | None = None, title: str = "linkgraph chart") -> Path:
    """Write an i2 Analyst's Notebook chart (``.anx``, UTF-8 XML) of the entities and edges: see the
    module docstring. ``rows`` and ``mentions`` (a Resolution's) add the record ids; ``positions``
    (entity id → x, y) place the entities, else :func:`linkgraph.render.layout.layout_positions`."""
    root = anx_document(entities, edges, rows=rows, mentions=mentions, positions=positions, title=title)
    ET.indent(root, space=" ")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    path = Path(path)
    _atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return path


def read_anx(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entities, links) of an ANX file: entities ``identity, label, type, icon, x, y, date`` and
    their attributes; links ``from, to, type, strength, arrow, date`` and their attributes (ends
    given by identity)."""
    root = ET.parse(path).getroot()
    icons = {e.get("Id"): e.get("IconFile") for e in root.iter("EntityType")}
    entities, links, identity = [], [], {}
    for item in root.iter("ChartItem"):
        attrs = {a.get("AttributeClass"): a.get("Value") for a in item.iter("Attribute")}
        entity = item.find("End/Entity")
        if entity is not None:
            style = entity.find("Icon/IconStyle")
            end = item.find("End")
            identity[entity.get("EntityId")] = entity.get("Identity")
            entities.append({"identity": entity.get("Identity"), "label": item.get("Label"),
                             "type": style.get("Type"), "icon": icons.get(style.get("EntityTypeReference")),
                             "x": float(end.get("X")), "y": float(end.get("Y")), "date": item.get("DateTime"), **attrs})
        link = item.find("Link")
        if link is not None:
            style = link.find("LinkStyle")
            links.append({"from": link.get("End1Id"), "to": link.get("End2Id"), "type": style.get("Type"),
                          "strength": style.get("Strength"), "arrow": style.get("ArrowStyle"),
                          "date": item.get("DateTime"), "label": item.get("Label"), **attrs})
    for rec in links:
        rec["from"], rec["to"] = identity[rec["from"]], identity[rec["to"]]
    return pd.DataFrame(entities), pd.DataFrame(links)
