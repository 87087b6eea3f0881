"""What a synthetic long-video release holds, apart from how a release lays it out on disk: per
subject a face and several videos, each with micro- and macro-expressions among blinks and
talking, and the release's planted quirks. Everything derives from the seed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from microexp.classes import CLASSES_5
from microexp.data.synthetic.actions import Move, au_text, draw_moves
from microexp.data.synthetic.face import FaceParams, face_params

#: The emotions whose actions (``actions.EMOTION_ACTIONS``) a sheet emotion may show; the
#: empty emotion is a release whose sheet has none.
FIELDS: dict[str, tuple[str, ...]] = {
    "negative": ("disgust", "repression"),
    "positive": ("happiness",),
    "surprise": ("surprise",),
    "others": ("others",),
    "": CLASSES_5,
}
#: Planted quirks of a video: its rows but no frame folder, or its frames but no rows.
NO_FOLDER = "no folder"
NO_ROWS = "no rows"
#: Interval quirks a release writes into its sheet.
OFFSET_UNKNOWN = "offset 0"  # the offset is written 0 (CAS(ME)^2)
ONSET_BEFORE = "onset 0"  # the expression started before the video (SAMM long videos)


@dataclass(frozen=True)
class ReleaseStats:
    """What a plan copies from a long-video release.

    Attributes:
        fps: frames per second.
        micro_share: share of micro-expressions among the annotated ones.
        per_minute: annotated expressions per minute of video.
        emotions: the sheet's emotions and their shares (``(("", 1.0),)`` when it has none).
        quirk: the interval quirk the sheet writes (:data:`OFFSET_UNKNOWN`/:data:`ONSET_BEFORE`).
        face_width: width of a subject's face crop in pixels.
        canvas: frame size (width, height) in pixels.
    """

    fps: float
    micro_share: float
    per_minute: float
    emotions: tuple[tuple[str, float], ...]
    quirk: str
    face_width: int
    canvas: tuple[int, int]


@dataclass(frozen=True)
class PlannedExpression:
    """One expression as rendered (frame numbers 1-based; ``onset`` < 1 when it started before
    the video; ``moves``: the regions it moves, drawn from ``field``'s actions) and as the sheet
    writes it (``sheet``: onset, apex, offset; 0 where a quirk hides one)."""

    onset: int
    apex: int
    offset: int
    kind: str  # "micro" | "macro"
    emotion: str  # as the sheet writes it; "" where the sheet has none
    field: str  # the emotion whose actions the face performs
    action_units: str
    magnitude: float  # peak movement in pixels at 64x64
    sheet: tuple[int, int, int]
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Blink:
    """A blink: first frame and length in frames."""

    start: int
    length: int


@dataclass(frozen=True)
class Talk:
    """Talking: the jaw opens and closes at ``rate`` syllables a second, up to ``amplitude``
    pixels at 64x64, over ``length`` frames from ``start``. Not an expression."""

    start: int
    length: int
    rate: float
    amplitude: float


@dataclass(frozen=True)
class VideoPlan:
    """One long video: its subject, its number within the subject (1-based), its length,
    what happens in it, and its planted quirk (``""``, :data:`NO_FOLDER`, :data:`NO_ROWS`)."""

    subject_index: int
    video_index: int
    n_frames: int
    seed: int
    expressions: tuple[PlannedExpression, ...]
    blinks: tuple[Blink, ...]
    talks: tuple[Talk, ...]
    quirk: str = ""


def plan_videos(
    stats: ReleaseStats, *, subjects: int, videos: int, minutes: float, seed: int
) -> tuple[list[FaceParams], list[VideoPlan]]:
    """Every subject's face and videos (``videos`` each, about ``minutes`` long), plus two
    planted videos: one of the first subject whose frame folder is missing and one of the last
    subject without expressions. The last subject's first video holds the release's interval
    quirk."""
    if subjects < 1 or videos < 1 or minutes <= 0:
        raise ValueError("need at least one subject, one video and a positive length")
    faces: list[FaceParams] = []
    plans: list[VideoPlan] = []
    for s in range(subjects):
        rng = np.random.default_rng([seed, s, 20_000])
        faces.append(place_face(face_params(rng), stats, rng))
        for v in range(1, videos + 1):
            quirky = s == subjects - 1 and v == 1
            plans.append(_video(rng, stats, s, v, minutes, quirk=stats.quirk if quirky else ""))
        extra = videos + 1
        if s == 0:
            plans.append(_video(rng, stats, s, extra, minutes, quirk=NO_FOLDER))
            extra += 1
        if s == subjects - 1:
            plans.append(_video(rng, stats, s, extra, minutes, quirk=NO_ROWS))
    return faces, plans


def place_face(p: FaceParams, stats: ReleaseStats, rng: np.random.Generator) -> FaceParams:
    """The subject's face shrunk to ``stats.face_width`` and set on the whole frame: the face
    image is the frame (its background fills the rest), the head a little off centre."""
    scale = stats.face_width / p.width
    width, height = stats.canvas
    return replace(
        p,
        width=width,
        height=height,
        cx=width * rng.uniform(0.42, 0.58),
        cy=height * rng.uniform(0.53, 0.57),
        a=p.a * scale,
        b=p.b * scale,
    )


def _video(
    rng: np.random.Generator,
    stats: ReleaseStats,
    subject: int,
    index: int,
    minutes: float,
    quirk: str,
) -> VideoPlan:
    """One video: expressions apart from each other and from talking; blinks anywhere."""
    fps = stats.fps
    n = max(int(round(minutes * 60 * fps * rng.uniform(0.75, 1.25))), int(8 * fps))
    taken: list[tuple[int, int]] = []
    expressions: list[PlannedExpression] = []
    if quirk == ONSET_BEFORE:
        expressions.append(_lead_in(rng, stats))
        taken.append((expressions[0].onset, expressions[0].offset))
    count = max(1, int(rng.poisson(stats.per_minute * n / fps / 60)))
    kinds = ["micro" if rng.random() < stats.micro_share else "macro" for _ in range(count)]
    if index == 1:  # every subject shows both kinds
        kinds = ["micro", "macro", *kinds[2:]]
    for kind in [] if quirk == NO_ROWS else kinds:
        made = _expression(rng, stats, kind, n, taken)
        if made is not None:
            expressions.append(made)
    expressions.sort(key=lambda e: e.onset)
    macros = [i for i, e in enumerate(expressions) if e.kind == "macro"]
    if quirk == OFFSET_UNKNOWN and macros:
        e = expressions[macros[0]]
        expressions[macros[0]] = replace(e, sheet=(e.onset, e.apex, 0))
    talks = []
    for _ in range(max(1, int(rng.poisson(2.0 * n / fps / 60)))):
        length = int(round(rng.uniform(1.0, 3.0) * fps))
        start = _place(rng, n, length, taken, gap=int(round(0.5 * fps)))
        if start is not None:
            talks.append(Talk(start, length, rng.uniform(3.0, 5.0), rng.uniform(1.5, 3.0)))
    blinks = sorted(
        (
            Blink(
                int(rng.integers(1, n - int(0.3 * fps))), int(round(rng.uniform(0.15, 0.3) * fps))
            )
            for _ in range(int(rng.poisson(15.0 * n / fps / 60)))
        ),
        key=lambda b: b.start,
    )
    return VideoPlan(
        subject_index=subject,
        video_index=index,
        n_frames=n,
        seed=int(rng.integers(0, 2**31 - 1)),
        expressions=tuple(expressions),
        blinks=tuple(blinks),
        talks=tuple(sorted(talks, key=lambda t: t.start)),
        quirk=quirk,
    )


def _place(
    rng: np.random.Generator, n: int, length: int, taken: list[tuple[int, int]], gap: int
) -> int | None:
    """A first frame for ``length`` frames inside ``1..n`` (``gap`` from either end and from
    every interval in ``taken``), which is then taken; None when none is found."""
    low, high = gap + 1, n - gap - length + 1
    for _ in range(200):
        if high < low:
            return None
        start = int(rng.integers(low, high + 1))
        end = start + length - 1
        if all(end + gap < a or start > b + gap for a, b in taken):
            taken.append((start, end))
            return start
    return None


def _expression(
    rng: np.random.Generator,
    stats: ReleaseStats,
    kind: str,
    n: int,
    taken: list[tuple[int, int]],
) -> PlannedExpression | None:
    """A micro (at most 0.5 s) or macro (0.5-4 s) expression placed in a free stretch."""
    fps = stats.fps
    half = int(0.5 * fps)  # the longest micro-expression, in frames
    if kind == "micro":
        length = int(rng.integers(max(3, int(round(0.2 * fps))), half + 1))
    else:
        length = int(rng.integers(half + 1, int(4 * fps) + 1))
    start = _place(rng, n, length, taken, gap=int(round(0.5 * fps)))
    if start is None:
        return None
    offset = start + length - 1
    apex = start + int(round((length - 1) * rng.uniform(0.3, 0.6)))
    magnitude = rng.uniform(0.5, 1.5) if kind == "micro" else rng.uniform(1.5, 3.5)
    return _with_emotion(rng, stats, start, apex, offset, kind, magnitude)


def _lead_in(rng: np.random.Generator, stats: ReleaseStats) -> PlannedExpression:
    """A macro-expression that started before the video: its sheet onset is 0."""
    fps = stats.fps
    onset = 1 - int(rng.integers(int(0.2 * fps), int(fps) + 1))
    apex = int(rng.integers(1, int(0.5 * fps) + 1))
    offset = apex + int(rng.integers(int(0.5 * fps), int(2 * fps) + 1))
    made = _with_emotion(rng, stats, onset, apex, offset, "macro", rng.uniform(1.5, 3.5))
    return replace(made, sheet=(0, apex, offset))


def _with_emotion(
    rng: np.random.Generator,
    stats: ReleaseStats,
    onset: int,
    apex: int,
    offset: int,
    kind: str,
    magnitude: float,
) -> PlannedExpression:
    """The expression with its sheet emotion, the movement it shows and its AU text."""
    names = [e for e, _ in stats.emotions]
    shares = np.array([w for _, w in stats.emotions])
    emotion = names[int(rng.choice(len(names), p=shares / shares.sum()))]
    field = FIELDS[emotion][int(rng.integers(len(FIELDS[emotion])))]
    moves = draw_moves(field, rng)
    return PlannedExpression(
        onset=onset,
        apex=apex,
        offset=offset,
        kind=kind,
        emotion=emotion,
        field=field,
        action_units=au_text(moves),
        magnitude=float(magnitude),
        sheet=(onset, apex, offset),
        moves=moves,
    )
