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
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (written twice; keep one)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely (no tag ever runs code); a key written twice is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(str(path), "(file)", f"cannot read: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise MappingError(str(path), "(yaml)", f"not valid YAML: {exc}") from None
