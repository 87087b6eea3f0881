"""Pure PyTorch networks: spatial (DeepLab-LargeFOV), temporal (MPNet), contrast, memory, joint."""
