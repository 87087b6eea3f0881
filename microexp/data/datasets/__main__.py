"""``python -m microexp.data.datasets NAME ROOT``: see :mod:`microexp.data.datasets.cli`."""

import sys

from microexp.data.datasets.cli import main

if __name__ == "__main__":
    sys.exit(main())
