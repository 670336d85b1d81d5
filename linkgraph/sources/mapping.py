"""Source mappings: the YAML documents in ``rules/sources/`` that say how to read one agency file."""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linkgraph.documents import read_yaml, validate
from linkgraph.vocabulary import ENTITY_FIELDS, RELATION_TYPES

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
#: ``strptime`` directives (Python's documented set); any other ``%x`` is refused.
_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")


def check_date_format(value: str | None) -> str | None:
    """A ``strptime`` format with only known directives and at least one of them.

    >>> check_date_format("%d/%m/%Y")
    '%d/%m/%Y'
    """
    if value is None:
        return None
    codes = re.findall(r"%(.?)", value)
    unknown = [c for c in codes if c not in _DIRECTIVES]
    if unknown:
        raise ValueError(f"invalid date format {value!r}: unknown directive %{unknown[0]} "
                         "(use strptime codes such as %d/%m/%Y or %Y-%m-%d %H:%M:%S)")
    if not [c for c in codes if c != "%"]:
        raise ValueError(f"invalid date format {value!r}: no directive such as %d, %m or %Y")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """Where one field of a mention comes from, with its parsing options."""

    column: str
    order: Literal["auto", "last_first", "first_last"] = "auto"
    dayfirst: bool = True
    format: str | None = None
    region: str = "FR"

    _format = field_validator("format")(classmethod(lambda cls, v: check_date_format(v)))


class DateSpec(_Strict):
    column: str
    dayfirst: bool = True
    format: str | None = None

    _format = field_validator("format")(classmethod(lambda cls, v: check_date_format(v)))


class GradingSpec(_Strict):
    """The intelligence grade of a file's rows (Admiralty/NATO: reliability A-F, credibility 1-6):
    ``default`` for every row, ``column`` for a row's own grade (an empty cell takes the default)."""

    default: str | None = None
    column: str | None = None

    @field_validator("default")
    @classmethod
    def _a_grade(cls, value: str | None) -> str | None:
        from linkgraph.normalize import NormalizationError
        from linkgraph.sources.grading import parse_grade

        try:
            return parse_grade(value)
        except NormalizationError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _something(self) -> "GradingSpec":
        if self.default is None and self.column is None:
            raise ValueError("grading needs a default grade (e.g. B2), a column, or both")
        return self


class MentionSpec(_Strict):
    """One entity a row mentions: its type and the columns holding its fields."""

    type: Literal["person", "vehicle", "phone", "company", "container", "place"]
    fields: dict[str, FieldSpec]

    @field_validator("fields", mode="before")
    @classmethod
    def _columns_as_specs(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> "MentionSpec":
        allowed = ENTITY_FIELDS[self.type]
        for name in self.fields:
            if name not in allowed:
                raise ValueError(f"unknown field {name!r} for type {self.type}; expected one of {', '.join(allowed)}")
        if not self.fields:
            raise ValueError("a mention needs at least one field")
        return self


class RelationSpec(_Strict):
    """An edge between two mentions of the same row."""

    type: str
    from_: str = Field(alias="from")
    to: str
    attributes: dict[str, str] = {}

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RELATION_TYPES:
            raise ValueError(f"unknown relation type {value!r}; expected one of {', '.join(RELATION_TYPES)}")
        return value


class SourceMapping(_Strict):
    """A validated source mapping. ``path`` is where it was loaded from (for messages and files)."""

    source: str
    agency: str
    classification: Literal["public", "restricted", "confidential", "secret"]
    format: Literal["csv", "json", "jsonl", "xlsx"]
    encoding: str = "auto"
    delimiter: str = ","
    sheet: str | int | None = None
    file: str | None = None
    date: DateSpec | None = None
    record_id: str | None = None
    attributes: dict[str, str] = {}
    grading: GradingSpec | None = None
    mentions: dict[str, MentionSpec]
    relations: list[RelationSpec] = []
    path: str | None = None

    @field_validator("source", "agency")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r} must be letters, digits, '_' or '-'")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r} (use auto, utf-8, cp1252, latin-1, utf-16...)") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if value == "tab":
            return "\t"
        if len(value) != 1 or value in "\"\r\n" or value.isalnum():
            raise ValueError(f"delimiter must be one character such as ';', ',', '|' or tab (got {value!r})")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_spec(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @field_validator("grading", mode="before")
    @classmethod
    def _grade_as_spec(cls, value: Any) -> Any:
        return {"default": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _relations_name_mentions(self) -> "SourceMapping":
        if not self.mentions:
            raise ValueError("mentions: at least one mention is needed")
        for name in self.mentions:
            if not _ID.match(name):
                raise ValueError(f"mention name {name!r} must be letters, digits, '_' or '-'")
        if self.sheet is not None and self.format != "xlsx":
            raise ValueError("sheet: only for format: xlsx")
        for i, rel in enumerate(self.relations):
            for end in (rel.from_, rel.to):
                if end not in self.mentions:
                    raise ValueError(f"relations[{i}]: {end!r} is not a mention of this mapping")
        return self

    def columns(self) -> list[str]:
        """Every column of the file this mapping reads, in a stable order."""
        cols: list[str] = []
        if self.date:
            cols.append(self.date.column)
        if self.record_id:
            cols.append(self.record_id)
        cols += list(self.attributes.values())
        if self.grading and self.grading.column:
            cols.append(self.grading.column)
        for mention in self.mentions.values():
            cols += [f.column for f in mention.fields.values()]
        for rel in self.relations:
            cols += list(rel.attributes.values())
        return list(dict.fromkeys(cols))

    def default_file(self) -> Path | None:
        """The file named by ``file:``, resolved against ``fixtures/data`` beside ``rules/``."""
        if self.file is None:
            return None
        p = Path(self.file)
        if p.is_absolute() or self.path is None:
            return p
        base = Path(self.path).resolve().parent
        for candidate in (base / p, base.parent.parent / "fixtures" / "data" / p):
            if candidate.exists():
                return candidate
        return base.parent.parent / "fixtures" / "data" / p


def parse_mapping(data: Any, path: str = "<mapping>") -> SourceMapping:
    """Validate a mapping document (already parsed YAML); raise MappingError naming the key."""
    return validate(SourceMapping, data, path, "a mapping")


def load_mapping(path: str | Path) -> SourceMapping:
    """Load and validate a source mapping YAML file (``yaml.safe_load``; nothing is executed)."""
    return parse_mapping(read_yaml(path), str(path))
