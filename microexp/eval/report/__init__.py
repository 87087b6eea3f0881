"""The LOSO report: ``python -m microexp.eval.report RUN_DIR [RUN_DIR ...] [--out DIR]``.

Finds every run (``metrics.json`` + ``predictions.csv`` + ``frames.csv``) under the given run or
sweep folders (:mod:`~microexp.eval.report.runs`), pools each method's folds
(:mod:`~microexp.eval.report.pooling`) and writes ``report.md``, ``report.json`` and the figures
(:mod:`~microexp.eval.report.write`). Every number is recomputed from the CSV files; problems
with the folds are warnings.
"""
