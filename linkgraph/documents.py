"""YAML documents (mappings, settings): read safely, validate, report errors by file and key."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from linkgraph.errors import MappingError

Model = TypeVar("Model", bound=BaseModel)


def error_key(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted key: ``mentions.p.fields``, ``relations[0].type``."""
    key = ""
    for part in loc:
        part = str(part)
        if part.startswith(("function-", "literal")):
            continue
        key += f"[{part}]" if part.isdigit() else (("." if key else "") + part)
    return key or "(document)"


def validate(model: type[Model], data: Any, path: str, what: str) -> Model:
    """Validate ``data`` as ``model``; the first error becomes a MappingError naming file and key."""
    if not isinstance(data, dict):
        raise MappingError(path, "(document)", f"{what} must be a YAML mapping of keys")
    try:
        return model.model_validate({**data, "path": path})
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        raise MappingError(path, error_key(err["loc"]), msg) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` refusing a key written twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool, type(None))):
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a plain value, not {type(key).__name__}", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (written twice; keep one)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):  # an alias can expand exponentially ("billion laughs")
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted: write the value out",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


#: A settings or mapping document is a few kilobytes; anything past this is not one.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely (no tag ever runs code, no alias); a key written twice is an error.

    Only a regular file of at most 10 MB is read.
    """
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise MappingError(str(path), "(file)", "cannot read: not a regular file")
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise MappingError(str(path), "(file)", "over 10 MB: not a mapping or settings document")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(str(path), "(file)", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise MappingError(str(path), "(file)", f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at line "
                                                f"{line}): save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise MappingError(str(path), "(yaml)", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise MappingError(str(path), "(yaml)", "nested too deep") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise MappingError(str(path), "(yaml)", f"unreadable value: {exc}") from None
