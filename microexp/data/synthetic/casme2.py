"""What a synthetic CASME II holds, as released: 26 subjects holding the release's uneven
numbers of clips, its seven classes in the release's counts (255 clips), 200 fps clips that
span exactly onset..offset (``margin`` neutral frames on each side for datasets that have them)
with the apex anywhere inside, and the release's row errors.

Planted row errors (``quirks``): apexes written ``/`` (21 rows in 255, scaled with the set), an
offset past the folder's last frame (one row), a junk file ``Desktop - Shortcut.lnk`` in one
clip folder, a folder without a sheet row and a sheet row without a folder (the last two are
extra to the class counts: every loader skips them).
"""

from __future__ import annotations

import numpy as np

from microexp.classes import CLASSES_5
from microexp.data.synthetic.plans import (
    ReleasePlan,
    Sample,
    apportion,
    assign,
    clip_spec,
    faces,
)

#: Clips per subject, sub01..sub26 (255 in all; approximate, as commonly quoted: a handful
#: to 36 each). Subjects beyond 26 repeat the list.
SUBJECT_COUNTS = (9, 13, 7, 5, 19, 5, 9, 3, 13, 13, 10, 12, 8, 4, 3, 4, 36, 3, 16, 11, 2, 2, 12)
SUBJECT_COUNTS += (12, 7, 17)
#: The coding sheet's estimated emotions (255 rows).
CLASS_COUNTS = {
    "others": 99,
    "disgust": 63,
    "happiness": 32,
    "repression": 27,
    "surprise": 25,
    "sadness": 7,
    "fear": 2,
}
FPS = 200
#: onset..offset in frames: log-normal around 0.31 s (most 0.2-0.5 s, some longer).
DURATION = (62.0, 0.35, 22, 170)  # median, log-sigma, shortest, longest
#: Planted quirks (see the module docstring).
APEX_SLASH = "apex-slash"
OFFSET_PAST_END = "offset-past-end"
JUNK_FILE = "junk-file"
NO_ROW = "no-row"
NO_FOLDER = "no-folder"
JUNK_NAME = "Desktop - Shortcut.lnk"
#: Crops are this times the release's (about 280x340): about 70x85.
CROP_SCALE = 0.25


def subject_counts(subjects: int, clips: int | None, size: float) -> list[int]:
    """Clips per subject: the release's counts (``clips`` None) or ``subjects * clips`` in the
    release's proportions, times ``size``; each subject at least one."""
    if subjects < 1 or (clips is not None and clips < 1) or size <= 0:
        raise ValueError("CASME II: at least one subject, one clip each and a positive size")
    weights = [float(SUBJECT_COUNTS[s % len(SUBJECT_COUNTS)]) for s in range(subjects)]
    base = sum(weights) if clips is None else subjects * clips
    counts = apportion(max(subjects, int(base * size + 0.5)), weights)
    for s in [k for k, n in enumerate(counts) if n == 0]:
        counts[int(np.argmax(counts))] -= 1
        counts[s] = 1
    return counts


def plan_casme2(
    subjects: int = 26,
    clips: int | None = None,
    *,
    size: float = 1.0,
    seed: int = 0,
    margin: int = 0,
    quirks: bool = True,
    scale: float = CROP_SCALE,
) -> ReleasePlan:
    """Faces (crops ``scale`` times the release's size) and samples, sorted by subject and
    episode; deterministic in the arguments. Classes keep the release's proportions without a
    floor (a tiny set holds no fear or sadness), never balanced."""
    if margin < 0:
        raise ValueError("margin must be 0 or more frames")
    per_subject = subject_counts(subjects, clips, size)
    rng = np.random.default_rng([seed, 2014])
    used: set[tuple[int, str]] = set()
    samples = [
        _sample(rng, s, emotion, margin, used)
        for s, emotion in assign(per_subject, CLASS_COUNTS, rng, minimum=0)
    ]
    if quirks:
        samples = _plant(samples, rng, subjects, margin, used)
    samples.sort(key=lambda x: (x.spec.subject_index, x.spec.episode))
    return ReleasePlan("casme2", seed, faces(subjects, seed, 2014, scale), samples)


def _episode(rng: np.random.Generator, s: int, used: set[tuple[int, str]]) -> str:
    """A new ``EPxx_yy[f]`` for subject ``s`` (unique with or without the ``f``)."""
    while True:
        name = f"EP{int(rng.integers(1, 20)):02d}_{int(rng.integers(1, 16)):02d}"
        if (s, name) not in used:
            used.add((s, name))
            return name + ("f" if rng.random() < 0.3 else "")


def _sample(
    rng: np.random.Generator, s: int, emotion: str, margin: int, used: set[tuple[int, str]]
) -> Sample:
    median, sigma, shortest, longest = DURATION
    duration = int(np.clip(round(median * np.exp(rng.normal(0.0, sigma))), shortest, longest))
    onset = margin + int(rng.integers(1, 300))
    spec = clip_spec(
        rng,
        subject_index=s,
        subject=f"sub{s + 1:02d}",
        episode=_episode(rng, s, used),
        emotion=emotion,
        first_frame=onset - margin,
        onset=onset,
        duration=duration,
        n_frames=duration + 2 * margin,
    )
    return Sample(spec, emotion)


def _plant(
    samples: list[Sample],
    rng: np.random.Generator,
    subjects: int,
    margin: int,
    used: set[tuple[int, str]],
) -> list[Sample]:
    """The row errors on randomly chosen samples, plus the two extra samples."""
    out = list(samples)
    slashes = max(1, int(21 * len(out) / 255 + 0.5))
    kinds = [OFFSET_PAST_END, JUNK_FILE] + [APEX_SLASH] * slashes
    for kind, k in zip(kinds, rng.permutation(len(out))):
        s = out[k]
        if kind == OFFSET_PAST_END:
            past = s.spec.offset + margin + int(rng.integers(5, 31))
            out[k] = Sample(s.spec, s.emotion, kind, sheet_offset=past)
        else:
            out[k] = Sample(s.spec, s.emotion, kind, "/" if kind == APEX_SLASH else None)
    weights = [float(CLASS_COUNTS[c]) for c in CLASSES_5]
    for kind in (NO_ROW, NO_FOLDER):
        emotion = CLASSES_5[int(rng.choice(len(CLASSES_5), p=np.array(weights) / sum(weights)))]
        extra = _sample(rng, int(rng.integers(subjects)), emotion, margin, used)
        out.append(Sample(extra.spec, emotion, kind))
    return out
