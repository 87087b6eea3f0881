"""``python -m microexp.eval.megc spot|recog``: see :mod:`microexp.eval.megc.cli`."""

import sys

from microexp.eval.megc.cli import main

if __name__ == "__main__":
    sys.exit(main())
