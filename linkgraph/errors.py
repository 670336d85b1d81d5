"""Exceptions raised by linkgraph, each naming the file and the key, column or row at fault."""
from __future__ import annotations


class LinkgraphError(Exception):
    """Base class of every error linkgraph raises on purpose."""


class MappingError(LinkgraphError):
    """A source mapping or matching settings document is invalid."""

    def __init__(self, path: str, key: str, message: str) -> None:
        self.path, self.key = path, key
        super().__init__(f"{path}: {key}: {message}")


class SourceError(LinkgraphError):
    """An input file cannot be read as its mapping says (encoding, missing column, format)."""

    def __init__(self, path: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.path, self.row, self.column = path, row, column
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class UnknownId(LinkgraphError, KeyError):
    """A mention or entity id (or name) that the resolution does not hold; the message says what exists."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown id"


class BudgetError(LinkgraphError):
    """A run would exceed its pair or memory budget: it stops before starting the heavy work."""


class ModelError(LinkgraphError):
    """A trained matching model is refused (e.g. agreement weighs less than disagreement)."""

    def __init__(self, where: str, comparison: str, message: str) -> None:
        self.where, self.comparison = where, comparison
        super().__init__(f"{where}: comparison {comparison!r}: {message}")
