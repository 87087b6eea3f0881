"""The command line before Hydra reads it: ``--cfg``/``--info`` with ``-m`` (which Hydra refuses
with a traceback) show the first job of the sweep, with a note saying so."""

from __future__ import annotations

import sys

from microexp.train.quiet import fail

MULTIRUN = ("-m", "--multirun")
#: Hydra flags that print something about one configuration and run nothing.
SHOW = ("--cfg", "-c", "--info", "-i")


def single_job_argv(argv: list[str]) -> list[str]:
    """``argv`` unchanged, or (``-m`` with ``--cfg``/``--info``) without ``-m`` and with each
    swept key set to its first value (``split.fold=range(26)`` -> ``split.fold=0``)."""
    args = argv[1:]
    shows = any(a in SHOW or a.startswith(("--cfg=", "--info=")) for a in args)
    if not shows or not any(a in MULTIRUN for a in args):
        return argv
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    kept: list[str] = []
    firsts: list[str] = []
    jobs = 1
    for arg in args:
        if arg in MULTIRUN:
            continue
        if arg.startswith("-") or "=" not in arg:
            kept.append(arg)
            continue
        override = parser.parse_override(arg)
        if not override.is_sweep_override():
            kept.append(arg)
            continue
        try:
            values = list(override.sweep_string_iterator())
        except HydraException:
            fail(
                f"--cfg/--info show one job and {arg} is not a list of values: give it one "
                "value (or leave out -m)",
                status=2,
            )
        jobs *= max(1, len(values))
        firsts.append(f"{override.get_key_element()}={values[0]}")
        kept.append(firsts[-1])  # in place: Hydra's overrides stay one run of arguments
    if firsts:
        print(
            f"note: -m would launch {jobs} jobs; showing the first one's ({', '.join(firsts)})",
            file=sys.stderr,
        )
    return [argv[0], *kept]
