"""Public names of a package imported on first use (PEP 562), as ``hadr_model`` and ``hadr_model.service`` do."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, sources: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose name ``n`` lives in ``sources[n]``.

    ``sources`` maps each name to the submodule (relative to ``package``) that defines it; a name
    is imported when first asked for and then bound on the package, so it costs nothing after.
    ``__dir__`` lists the package's ``__all__``.

    Examples
    --------
    >>> import hadr_model
    >>> hadr_model.load_spec.__module__
    'hadr_model.topology.spec'
    """

    def __getattr__(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(sources[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(sys.modules[package].__all__)

    return __getattr__, __dir__
