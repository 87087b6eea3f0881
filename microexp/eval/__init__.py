"""Evaluation: scores, spotting, clip records and their CSV files, plots, the LOSO report."""
