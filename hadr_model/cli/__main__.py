"""``python -m hadr_model.cli``: the same as the ``hadr`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
