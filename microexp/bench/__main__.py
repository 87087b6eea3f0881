"""``python -m microexp.bench``."""

import sys

from microexp.bench import main

main(sys.argv[1:])
