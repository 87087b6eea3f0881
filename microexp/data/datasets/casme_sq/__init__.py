"""CAS(ME)^2 long videos (MEGC spotting): the workbook with its expression sheet and two naming
sheets, and the ``rawpic/`` frame tree, read into :class:`~microexp.data.records.Video` records
(30 fps, MEGC video ids ``15_0101``). Every quirk is noted or skipped with a named reason and
counted; a release that cannot be read at all raises :class:`CasmeSqFormatError` naming the
file."""

from microexp.data.datasets.casme_sq.reader import load_casme_sq
from microexp.data.datasets.casme_sq.workbook import CasmeSqFormatError

__all__ = ["CasmeSqFormatError", "load_casme_sq"]
