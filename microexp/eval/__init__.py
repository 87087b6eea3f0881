"""Evaluation: metrics, spotting, plots, reports and inference."""
