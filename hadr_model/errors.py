"""Errors raised by hadr_model.

Every problem with user input is a :class:`SpecError` (a subclass of :class:`HadrError`)
that names where it happened (file and field path), the offending value and what was
expected, so the CLI can print one clear line and exit with code 2.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HadrError", "SpecError"]

_MAX_VALUE_CHARS = 80


class HadrError(Exception):
    """Base class of every error hadr_model raises on purpose."""


class _NoValue:
    """Marks an error about a missing field, where there is no value to quote."""

    def __repr__(self) -> str:
        return "<no value>"

    def __reduce__(self) -> str:
        return "_NO_VALUE"  # unpickles to the module's singleton


def _short(value: Any) -> str:
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class SpecError(HadrError, ValueError):
    """Bad input: a spec, grid or option that does not mean anything valid.

    Parameters
    ----------
    field : str
        Dotted path of the offending field, e.g. ``"roles.kafka.needs"``.
    value : object
        The value found there.
    expected : str
        What would have been accepted, in words.
    file : str, optional
        The file the value came from.
    line : int, optional
        1-based line in that file, when known.

    Examples
    --------
    >>> str(SpecError("roles.kafka.needs", "most", "any, all, quorum, an integer k or a percentage"))
    "roles.kafka.needs: got 'most'; expected any, all, quorum, an integer k or a percentage"
    """

    NO_VALUE: Any = _NoValue()

    def __init__(
        self,
        field: str,
        value: Any,
        expected: str,
        *,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.file = file
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        got = "missing; " if self.value is SpecError.NO_VALUE else f"got {_short(self.value)}; "
        return f"{where}{field}{got}expected {self.expected}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: rebuild explicitly so the error survives process pools.
        return (_rebuild, (self.field, self.value, self.expected, self.file, self.line))

    def located(self, file: str | None) -> SpecError:
        """Return the same error attributed to ``file`` (keeps an existing file)."""
        if self.file or not file:
            return self
        return SpecError(self.field, self.value, self.expected, file=file, line=self.line)



def _rebuild(field: str, value: Any, expected: str, file: str | None, line: int | None) -> SpecError:
    return SpecError(field, value, expected, file=file, line=line)


_NO_VALUE = SpecError.NO_VALUE
