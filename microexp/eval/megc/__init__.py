"""The MEGC scorer: spotting F1 on long videos and MEGC 2019 recognition UF1/UAR, from plain CSV
files (``python -m microexp.eval.megc spot|recog``). Pure numpy/scipy."""
