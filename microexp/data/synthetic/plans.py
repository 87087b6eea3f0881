"""What a synthetic release holds, apart from how the release lays it out: subjects (faces),
samples (interval, emotion as the release writes it, planted quirk) and the spec that renders
each one, with classes and per-subject counts as uneven as the real release's."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microexp.classes import canonical_emotion
from microexp.data.synthetic.face import FaceParams, face_params
from microexp.data.synthetic.motion import AU_TEXT
from microexp.data.synthetic.render import ClipSpec

#: The motions each canonical emotion is rendered with (the renderer knows five patterns; one
#: is drawn per clip where several are listed): the negative emotions move like disgust (brows
#: lowered, nose wrinkled) or repression (lip corners down, chin raised).
MOTION: dict[str, tuple[str, ...]] = {
    "happiness": ("happiness",),
    "positive": ("happiness",),
    "surprise": ("surprise",),
    "disgust": ("disgust",),
    "anger": ("disgust",),
    "fear": ("disgust",),
    "tense": ("disgust",),
    "repression": ("repression",),
    "contempt": ("repression",),
    "sadness": ("repression",),
    "negative": ("disgust", "repression"),
    "others": ("others",),
}


@dataclass(frozen=True)
class Sample:
    """One planted sample.

    ``spec`` renders its frames (``spec.emotion`` is the motion pattern; the frames are
    ``spec.first_frame`` .. ``+ spec.n_frames - 1``). ``emotion`` is the name the release
    writes. ``sheet_apex`` is the apex the annotation states, when it differs from the rendered
    one (a planted quirk). ``quirk`` names the planted quirk, if any.
    """

    spec: ClipSpec
    emotion: str
    quirk: str = ""
    sheet_apex: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # release-specific (naming, video...)

    @property
    def apex(self) -> int:
        """The apex as the annotation states it."""
        return self.spec.apex if self.sheet_apex is None else self.sheet_apex


@dataclass(frozen=True)
class ReleasePlan:
    """Everything a writer needs: one face per subject and every sample, in write order."""

    release: str
    seed: int
    faces: list[FaceParams]
    samples: list[Sample]


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each part at least
    ``minimum`` when ``total`` allows it."""
    n = len(weights)
    floor = minimum if total >= minimum * n else 0
    w = np.asarray(weights, dtype=float)
    share = (total - floor * n) * w / w.sum()
    parts = np.floor(share).astype(int)
    order = np.argsort(-(share - parts), kind="stable")
    parts[order[: total - floor * n - int(parts.sum())]] += 1
    return [int(p) + floor for p in parts]


def assign(
    subjects: int, total: int, class_counts: dict[str, int], rng: np.random.Generator
) -> list[tuple[int, str]]:
    """(subject index, emotion) for ``total`` samples: classes in the release's proportions
    (each present when ``total`` allows it), per-subject counts uneven (each subject at least
    one), and each subject favouring some classes. Sorted by subject, classes shuffled."""
    names = list(class_counts)
    per_class = apportion(total, [float(class_counts[c]) for c in names], minimum=1)
    per_subject = apportion(total, list(rng.dirichlet(np.full(subjects, 1.5))), minimum=1)
    taste = rng.dirichlet(np.full(len(names), 0.8), size=subjects)
    items = [c for c, k in zip(names, per_class) for _ in range(k)]
    rng.shuffle(items)
    room = np.array(per_subject, dtype=float)
    out: list[tuple[int, str]] = []
    for emotion in items:
        p = room * (taste[:, names.index(emotion)] + 0.05)
        s = int(rng.choice(subjects, p=p / p.sum()))
        room[s] -= 1
        out.append((s, emotion))
    return sorted(out, key=lambda item: item[0])


def faces(count: int, seed: int, salt: int) -> list[FaceParams]:
    """One face per subject; ``salt`` keeps releases' faces apart under the same seed."""
    return [face_params(np.random.default_rng([seed, s, salt])) for s in range(count)]


def clip_spec(
    rng: np.random.Generator,
    *,
    subject_index: int,
    subject: str,
    episode: str,
    emotion: str,
    first_frame: int,
    onset: int,
    duration: int,
    n_frames: int | None = None,
) -> ClipSpec:
    """The spec of a clip whose expression lasts ``duration`` frames from ``onset`` (apex at
    35-60 % of it), rendered over ``n_frames`` frames from ``first_frame`` (default: exactly
    onset..offset). ``emotion`` is the release's name; it is rendered with its motion."""
    motions = MOTION[canonical_emotion(emotion) or "others"]
    motion = motions[int(rng.integers(len(motions)))] if len(motions) > 1 else motions[0]
    offset = onset + duration - 1
    apex = onset + int(round((duration - 1) * rng.uniform(0.35, 0.6)))
    return ClipSpec(
        subject_index=subject_index,
        subject=subject,
        episode=episode,
        emotion=motion,
        action_units=str(rng.choice(AU_TEXT[motion])),
        first_frame=first_frame,
        n_frames=offset - first_frame + 1 if n_frames is None else n_frames,
        onset=onset,
        apex=apex,
        offset=offset,
        magnitude=float(rng.uniform(0.3, 1.5)),
        seed=int(rng.integers(0, 2**31 - 1)),
    )
