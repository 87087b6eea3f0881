"""Handcrafted baselines of the paper's tables: LBP and HOOF spotting, LBP-TOP + SVM."""
