"""Handcrafted baselines of the paper's tables: LBP and HOOF spotting, LBP-TOP + SVM.

Modules: :mod:`~microexp.baselines.lbp` (LBP codes on any plane of a video volume, block
histograms, LBP spotting), :mod:`~microexp.baselines.hoof` (histograms of oriented optical flow,
HOOF spotting), :mod:`~microexp.baselines.difference` (the feature-difference analysis both
spotting methods share), :mod:`~microexp.baselines.lbptop_svm` (LBP-TOP + linear SVM),
:mod:`~microexp.baselines.config` (settings), :mod:`~microexp.baselines.methods` (each method's
clip records), :mod:`~microexp.baselines.scores` (the metrics that apply) and
:mod:`~microexp.baselines.runner` (splits, run folders, ``metrics.json``). The clips, frames and
flow come from the network's data store (:mod:`microexp.data.store`). Command line:
``python -m microexp.baselines --help``.
"""

#: Spotting methods (training-free, per-frame scores).
SPOTTING: tuple[str, ...] = ("lbp", "hoof")
#: Recognition methods (clip labels).
RECOGNITION: tuple[str, ...] = ("lbptop_svm",)
METHODS: tuple[str, ...] = SPOTTING + RECOGNITION
