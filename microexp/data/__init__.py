"""CASME II reading, synthetic data, splits, targets, augmentation and the DataModule."""
