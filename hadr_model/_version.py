"""The release number: the one place it is written (pyproject.toml reads it from here).

A constant rather than ``importlib.metadata.version``: reading the installed metadata costs
~20 ms of imports on every ``hadr`` command and every simulation's provenance.
"""

__version__ = "0.1.0"
