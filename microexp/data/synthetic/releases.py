"""Every synthetic layout by name: ``generate_<layout>(out, *, subjects, clips, seed, workers,
progress) -> summary`` for short-clip releases, ``(out, *, subjects, videos, minutes, seed,
workers, progress)`` for long videos; each writes one release exactly as it is laid out."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from microexp.data.synthetic.casme import generate_casme
from microexp.data.synthetic.casme3 import generate_casme3
from microexp.data.synthetic.composite import generate_composite
from microexp.data.synthetic.generator import generate
from microexp.data.synthetic.long_generator import LAYOUTS as LONG_LAYOUTS
from microexp.data.synthetic.long_generator import generate_videos
from microexp.data.synthetic.samm import generate_samm
from microexp.data.synthetic.smic import generate_smic

#: layout name (the reader's registered name) -> generator.
GENERATORS: dict[str, Callable[..., dict[str, Any]]] = {
    "casme2": generate,
    "samm": generate_samm,
    "smic": generate_smic,
    "casme": generate_casme,
    "casme3": generate_casme3,
    "composite": generate_composite,
    **{name: partial(generate_videos, layout=name) for name in LONG_LAYOUTS},
}
