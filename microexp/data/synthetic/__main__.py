"""``python -m microexp.data.synthetic OUT``: see :mod:`microexp.data.synthetic.cli`."""

import sys

from microexp.data.synthetic.cli import main

if __name__ == "__main__":
    sys.exit(main())
