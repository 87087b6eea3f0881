"""``python -m microexp.predict CKPT INPUT ...`` (see :mod:`microexp.predict.cli`)."""

import sys

from microexp.predict.cli import main

sys.exit(main())
