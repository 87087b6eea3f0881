"""``python -m microexp.train stage=joint ...``: the same as ``python train.py``."""

from microexp.train.job import main

main()
