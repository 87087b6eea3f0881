"""Every synthetic layout by name: ``generate_<layout>(out, *, subjects, clips, seed, workers,
progress) -> summary``, each writing one release exactly as the release lays it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microexp.data.synthetic.casme import generate_casme
from microexp.data.synthetic.casme3 import generate_casme3
from microexp.data.synthetic.composite import generate_composite
from microexp.data.synthetic.generator import generate
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
}
