"""The training job (:mod:`~microexp.train.job`) and the stage hand-off
(:mod:`~microexp.train.handoff`): ``python train.py`` or ``python -m microexp.train``."""
