"""Optical flow: batched TV-L1 in PyTorch beside OpenCV's, a per-clip cache and colour coding."""
