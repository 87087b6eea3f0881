"""What a synthetic release holds, apart from how the release lays it out: subjects (faces),
samples (interval, emotion as the release writes it, planted quirk) and the spec that renders
each one, with classes and per-subject counts as uneven as the real release's."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microexp.classes import canonical_emotion
from microexp.data.synthetic.actions import au_text, draw_moves
from microexp.data.synthetic.face import FaceParams, face_params
from microexp.data.synthetic.render import ClipSpec

#: Largest movement of an expression at its apex, pixels at 64x64 (drawn log-uniformly: most
#: are sub-pixel, a few reach about 2 px, as real micro-expressions).
MAGNITUDE = (0.35, 2.0)


@dataclass(frozen=True)
class Sample:
    """One planted sample.

    ``spec`` renders its frames (the frames are ``spec.first_frame`` ..
    ``+ spec.n_frames - 1``). ``emotion`` is the name the release writes. ``sheet_apex`` and
    ``sheet_offset`` are what the annotation states when it differs from the rendered truth (a
    planted quirk: an apex written ``/``, an offset past the folder's last frame). ``quirk``
    names the planted quirk, if any.
    """

    spec: ClipSpec
    emotion: str
    quirk: str = ""
    sheet_apex: int | str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # release-specific (naming, video...)
    sheet_offset: int | None = None

    @property
    def apex(self) -> int | str:
        """The apex as the annotation states it."""
        return self.spec.apex if self.sheet_apex is None else self.sheet_apex

    @property
    def offset(self) -> int:
        """The offset as the annotation states it."""
        return self.spec.offset if self.sheet_offset is None else self.sheet_offset


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
    per_subject: list[int],
    class_counts: dict[str, int],
    rng: np.random.Generator,
    minimum: int = 1,
) -> list[tuple[int, str]]:
    """(subject index, emotion) for ``sum(per_subject)`` samples: subject ``s`` gets
    ``per_subject[s]``, the classes keep the release's proportions (each at least ``minimum``
    when the total allows it) and each subject favours some classes. Sorted by subject,
    classes shuffled."""
    total = sum(per_subject)
    names = list(class_counts)
    per_class = apportion(total, [float(class_counts[c]) for c in names], minimum=minimum)
    taste = rng.dirichlet(np.full(len(names), 0.8), size=len(per_subject))
    items = [c for c, k in zip(names, per_class) for _ in range(k)]
    rng.shuffle(items)
    room = np.array(per_subject, dtype=float)
    out: list[tuple[int, str]] = []
    for emotion in items:
        p = room * (taste[:, names.index(emotion)] + 0.05)
        s = int(rng.choice(len(per_subject), p=p / p.sum()))
        room[s] -= 1
        out.append((s, emotion))
    return sorted(out, key=lambda item: item[0])


def uneven_counts(subjects: int, total: int, rng: np.random.Generator) -> list[int]:
    """``total`` samples over ``subjects`` subjects as unevenly as the releases hold them
    (Dirichlet shares; each subject at least one)."""
    return apportion(total, list(rng.dirichlet(np.full(subjects, 1.5))), minimum=1)


def faces(count: int, seed: int, salt: int, scale: float = 1.0) -> list[FaceParams]:
    """One face per subject (crops ``scale`` times the release's size); ``salt`` keeps
    releases' faces apart under the same seed."""
    return [face_params(np.random.default_rng([seed, s, salt]), scale) for s in range(count)]


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
    """The spec of a clip whose expression lasts ``duration`` frames from ``onset`` (apex
    anywhere inside, most often in its first half), rendered over ``n_frames`` frames from
    ``first_frame`` (default: exactly onset..offset). ``emotion`` is the release's name; the
    expression moves a random part of its actions (:func:`actions.draw_moves`)."""
    canonical = canonical_emotion(emotion) or "others"
    offset = onset + duration - 1
    apex = onset + int(round((duration - 1) * float(np.clip(rng.beta(2.0, 2.6), 0.1, 0.9))))
    moves = draw_moves(canonical, rng)
    low, high = np.log(MAGNITUDE)
    return ClipSpec(
        subject_index=subject_index,
        subject=subject,
        episode=episode,
        emotion=canonical,
        action_units=au_text(moves),
        first_frame=first_frame,
        n_frames=offset - first_frame + 1 if n_frames is None else n_frames,
        onset=onset,
        apex=apex,
        offset=offset,
        magnitude=float(np.exp(rng.uniform(low, high))),
        seed=int(rng.integers(0, 2**31 - 1)),
        moves=moves,
    )
