"""The one exception every normalizer raises for a present but unparseable value."""
from __future__ import annotations


class NormalizationError(ValueError):
    """A present value that cannot be normalized; ``str(exc)`` is the human-readable reason.

    Examples of reasons: ``"impossible date 31/02/1990"``, ``"not a phone number"``,
    ``"SIRET checksum failed"``. The reason goes verbatim into the reject report.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
