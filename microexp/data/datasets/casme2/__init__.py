"""CASME II: the coding sheet and the frame trees as researchers hold them.

Every known quirk is handled and counted: a clip is loaded (with a note on what was adjusted) or
skipped with a named reason. Only a release that cannot be read at all (no coding sheet, no frame
tree, a sheet without the required columns) raises :class:`CASME2FormatError`, naming the file
and, where it applies, the row.
"""

from microexp.data.datasets.casme2.reader import load_casme2
from microexp.data.datasets.casme2.sheet import CASME2FormatError

__all__ = ["CASME2FormatError", "load_casme2"]
