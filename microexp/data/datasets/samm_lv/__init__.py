"""SAMM long videos (MEGC spotting): the ``SAMM_LongVideos_V*_Release.xlsx`` workbook (a title
block above its header row) and the ``SAMM_longvideos/`` frame tree, read into
:class:`~microexp.data.records.Video` records (200 fps, MEGC video ids ``006_1``). Every quirk
is noted or skipped with a named reason and counted; a release that cannot be read at all
raises :class:`SammLvFormatError` naming the file."""

from microexp.data.datasets.samm_lv.reader import load_samm_lv
from microexp.data.datasets.samm_lv.workbook import SammLvFormatError

__all__ = ["SammLvFormatError", "load_samm_lv"]
