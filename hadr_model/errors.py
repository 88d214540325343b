"""Errors raised by hadr_model.

Every problem with user input is a :class:`SpecError` (a subclass of :class:`HadrError`)
that names where it happened (file and field path), the offending value and what was
expected, so the CLI can print one clear line and exit with code 2.
"""

from __future__ import annotations

import itertools
import re
import reprlib
from collections.abc import Mapping
from typing import Any

__all__ = ["HadrError", "SpecError"]

_MAX_VALUE_CHARS = 80
_MAX_FIELD_CHARS = 200


class HadrError(Exception):
    """Base class of every error hadr_model raises on purpose."""


class _NoValue:
    """Marks an error about a missing field, where there is no value to quote."""

    def __repr__(self) -> str:
        return "<no value>"

    def __reduce__(self) -> str:
        return "_NO_VALUE"  # unpickles to the module's singleton


class _ShortRepr(reprlib.Repr):
    """``repr`` that looks at no more of a value than it shows.

    A value in an error can be anything a spec holds, including a few hundred bytes of YAML
    that expand (through aliases) to billions of nodes: the full ``repr`` would take minutes
    and gigabytes before being cut to one line. ``reprlib`` stops at a few levels, items and
    characters; the types it leaves to ``repr`` are handled here so that none is ever
    rendered in full (a huge integer cannot even be: Python refuses > 4300 digits).
    """

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxset = self.maxfrozenset = 6
        self.maxdeque = self.maxdict = 6
        self.maxstring = self.maxother = _MAX_VALUE_CHARS
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 13_000:   # > ~3900 digits: str() would refuse (or take long)
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return repr(x)   # _short cuts it to one line

    def repr_str(self, x: str, level: int) -> str:
        # the start of the text, cut by _short like any other value (reprlib keeps both ends)
        return repr(x[: self.maxstring + 1])

    def repr_bytes(self, x: bytes, level: int) -> str:
        text = repr(x[: self.maxstring])
        return text[:-1] + "...'" if len(x) > self.maxstring else text

    def repr_bytearray(self, x: bytearray, level: int) -> str:
        return f"bytearray({self.repr_bytes(bytes(x[: self.maxstring + 1]), level)})"

    def repr_dict(self, x: dict, level: int) -> str:
        # reprlib sorts every key first (O(n log n) of a huge mapping); the spec's order will do
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
                 for k, v in itertools.islice(x.items(), self.maxdict)]
        return "{" + ", ".join(items) + (", ..." if len(x) > self.maxdict else "") + "}"

    def repr_set(self, x: set, level: int) -> str:
        return self._unsorted(x, "{", "}", "set()", level)

    def repr_frozenset(self, x: frozenset, level: int) -> str:
        return self._unsorted(x, "frozenset({", "})", "frozenset()", level)

    def _unsorted(self, x: set | frozenset, left: str, right: str, empty: str, level: int) -> str:
        if not x:
            return empty
        if level <= 0:
            return left + "..." + right
        items = [self.repr1(item, level - 1) for item in itertools.islice(x, self.maxset)]
        return left + ", ".join(items) + (", ..." if len(x) > self.maxset else "") + right

    def repr_instance(self, x: Any, level: int) -> str:
        if isinstance(x, (str, bytes, int, float, list, tuple, dict, set, frozenset)):
            # a subclass of a builtin (e.g. a str subclass): show it as its base type
            for base in (str, bytes, int, list, tuple, dict, set, frozenset):
                if isinstance(x, base):
                    return getattr(self, f"repr_{base.__name__}")(x, level)
        if isinstance(x, Mapping):
            return self.repr_dict(dict(itertools.islice(x.items(), self.maxdict + 1)), level)
        return super().repr_instance(x, level)


_REPR = _ShortRepr()


def _short(value: Any) -> str:
    """A one-line rendering of ``value`` at most about 80 characters long, built in O(80)."""
    try:
        text = _REPR.repr(value)
    except Exception:   # a value whose __repr__ fails must not hide the error it is in
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """``text`` with control characters escaped (a key "a\\nb" must not break the line)."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def _short_field(field: str) -> str:
    """A field path (keys come from the spec, so a key can be megabytes long) cut to one line."""
    if len(field) > _MAX_FIELD_CHARS:
        field = field[: _MAX_FIELD_CHARS - 3] + "..."
    return _one_line(field)


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
        field = f"{_short_field(self.field)}: " if self.field else ""
        got = "missing; " if self.value is SpecError.NO_VALUE else f"got {_short(self.value)}; "
        return f"{_one_line(where)}{field}{got}expected {_one_line(self.expected)}"

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
