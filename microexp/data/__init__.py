"""Data: release readers, synthetic releases, the data store (frame and flow caches), loader
windows, targets, augmentation, splits, face detection and registration, and the DataModule."""
