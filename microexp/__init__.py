"""microexp: micro-expression spotting and recognition (Nag et al., ICASSP 2019), reproduced."""

__version__ = "0.1.0"
