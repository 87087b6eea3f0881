"""Pure PyTorch networks: spatial (DeepLab-LargeFOV), temporal (MPNet), contrast, memory, joint."""

from microexp.models.contrast import ContextContrast
from microexp.models.joint import JointNet, JointOutput
from microexp.models.layers import CPU_WIDTH
from microexp.models.memory import ConvGRU, MemoryOutput, VisualMemory
from microexp.models.spatial import DeepLabLargeFOV, SpatialFeatureHead
from microexp.models.temporal import MPNet

__all__ = [
    "CPU_WIDTH",
    "ContextContrast",
    "ConvGRU",
    "DeepLabLargeFOV",
    "JointNet",
    "JointOutput",
    "MPNet",
    "MemoryOutput",
    "SpatialFeatureHead",
    "VisualMemory",
]
