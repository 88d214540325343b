"""Grid values are plain JSON: nothing else may reach a point, a notebook or the sweep table.

A grid file is data, and its values travel to model functions, to notebooks (as the text of
one JSON document, see :mod:`.notebook`) and into the journal. YAML can say more than JSON
— ``!!binary`` gives bytes, ``!!set`` a set, an unquoted ``2024-01-01`` a date, ``.nan`` a
float that is not a number — and a value of such a type has no faithful JSON text. So
:func:`check_plain` walks a value at every depth and refuses anything but:

* finite numbers (whole numbers from -2**63 to 2**63 - 1: they must fit the table),
* text (Unicode without lone surrogates), ``true`` / ``false``, ``null``,
* lists, and mappings whose keys are text.

The walk is iterative and bounded: at most :data:`MAX_DEPTH` levels and :data:`MAX_NODES`
values in all, where a YAML alias counts once per use (the size it would have in JSON), so
an alias bomb of a few hundred bytes is refused after a bounded amount of work instead of
being expanded. Error messages show a short preview of the value, never its whole repr.

Examples
--------
>>> check_plain({"a": [1, 2.5, "x", None, True, {"b": []}]}, "options")
>>> check_plain({"a": [1, b"\\x00"]}, "options")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hadr_model.errors.SpecError: options.a[1]: got bytes b'\\x00'; expected a JSON value: ...
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any

from ..errors import SpecError

__all__ = ["MAX_DEPTH", "MAX_NODES", "check_plain"]

MAX_DEPTH = 100
MAX_NODES = 2_000_000
_INT_LIMIT = 2**63
_PREVIEW_CHARS = 40
_EXPECTED = ("a JSON value: a finite number, text, true/false, null, a list, or a mapping with text keys "
             "(YAML tags such as !!binary and !!set, and unquoted dates, are not accepted; quote a date "
             "to pass it as text)")

# A path is a chain of (parent, key) pairs, built only when an error names it: a grid may
# hold a million values and formatting every path would cost more than checking them.
_Path = tuple[Any, str | int] | None


class Preview:
    """A short description of a refused value; its ``repr`` is what the error message shows."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Preview) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _clip(text: str) -> str:
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS - 3] + "..."


def preview(value: Any) -> Preview:
    """The type and the first few characters of ``value``, computed without a full repr.

    Examples
    --------
    >>> preview(b"a" * 1000)
    bytes b'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...
    >>> preview({1, 2})
    set of 2 items
    """
    kind = type(value).__name__
    if isinstance(value, (bytes, bytearray)):
        return Preview(f"{kind} {_clip(repr(bytes(value[:_PREVIEW_CHARS])))}")
    if isinstance(value, str):
        return Preview(f"text {_clip(repr(value[:_PREVIEW_CHARS]))}")
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return Preview(f"{kind} {value}")   # from an unquoted YAML timestamp
    if isinstance(value, float):
        return Preview(f"{kind} {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        digits = value.bit_length() * 30103 // 100000 + 1
        return Preview(f"a whole number of about {digits} digits")
    if isinstance(value, (set, frozenset, tuple, list, dict)):
        return Preview(f"{kind} of {len(value)} items")
    return Preview(kind)   # an unknown object: even its repr could be costly or hostile


def _field(prefix: str, path: _Path) -> str:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    text = prefix
    for key in reversed(keys):
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            shown = key if len(key) <= _PREVIEW_CHARS else key[:_PREVIEW_CHARS - 3] + "..."
            text += f".{shown}" if text else shown
    return text


def _children(value: Any) -> Iterator[tuple[str | int, Any]]:
    """Keys (or indices) and items, last first: the stack then visits them first to last."""
    if isinstance(value, list):
        return zip(range(len(value) - 1, -1, -1), reversed(value))
    return reversed(value.items())


def _refusal(value: Any) -> str | None:
    """Why a scalar is refused (what is expected instead), or None when it is plain JSON.

    Subclasses of the JSON types (a numpy float from the Python API) are accepted: they have
    the same JSON text. Tuples are not: YAML gives them only for ``!!pairs`` and ``!!omap``.
    """
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text without lone surrogate code points (it cannot be written as UTF-8)"
        return None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -_INT_LIMIT <= value < _INT_LIMIT:
            return None
        return "a whole number from -2**63 to 2**63 - 1 (larger ones do not fit the sweep table)"
    if isinstance(value, float):
        return None if math.isfinite(value) else "a finite number (JSON has no NaN or infinity)"
    return _EXPECTED


def check_plain(value: Any, prefix: str, *, max_nodes: int = MAX_NODES) -> None:
    """Refuse ``value`` unless it is plain JSON at every depth (see the module docstring).

    Parameters
    ----------
    value : object
        The value to check (a parsed grid document, its options, a parameter's values …).
    prefix : str
        The field that holds it, e.g. ``"options"``; errors name ``prefix`` and the path below.
    max_nodes : int
        The most values visited (each use of a YAML alias counts).

    Raises
    ------
    SpecError
        Naming the path of the first refused value (``options.a[1].b``) and what was expected.
    """
    stack: list[tuple[Any, _Path, int]] = [(value, None, 0)]
    visited = 1
    while stack:
        item, path, depth = stack.pop()
        is_list = isinstance(item, list)
        if not is_list and not isinstance(item, dict):
            reason = _refusal(item)
            if reason is not None:
                raise SpecError(_field(prefix, path), preview(item), reason)
            continue
        if depth >= MAX_DEPTH:
            raise SpecError(_field(prefix, path), preview(item), f"values nested at most {MAX_DEPTH} levels deep")
        # Counted before the children are pushed: a huge mapping is refused before it is copied.
        visited += len(item)
        if visited > max_nodes:
            raise SpecError(_field(prefix, path), Preview(f"more than {max_nodes} values"),
                            f"at most {max_nodes} values in all (each use of a YAML alias counts as a copy)")
        for key, child in _children(item):
            if not is_list and not isinstance(key, str):
                raise SpecError(_field(prefix, path), Preview(f"a key of type {type(key).__name__}"),
                                "text keys in a mapping (quote the key)")
            stack.append((child, (path, key), depth + 1))
