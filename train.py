"""Train a stage: ``python train.py stage=joint`` (see conf/ and README.md)."""

from microexp.train.job import main

if __name__ == "__main__":
    main()
