"""Face registration: head motion removed, the expression kept, the face lost and found again and
counted; geometry helpers checked against OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from microexp.data.face import Box, FaceDetector
from microexp.data.frames import to_square
from microexp.data.registration import FrameRegistration, Registrar, TrackingPolicy
from microexp.data.registration.geometry import (
    angle_of,
    apply,
    box_to_box,
    compose,
    fit_motion,
    inside_fraction,
    invert,
    nearest_similarity,
    scale_of,
)
from microexp.data.registration.records import TrackingStats
from tests.data.registration_scene import FaceScene, HeadMotion

APEX = 40


@pytest.fixture(scope="module")
def scene() -> FaceScene:
    return FaceScene(seed=0)


@pytest.fixture(scope="module")
def frames(scene: FaceScene) -> list[np.ndarray]:
    return [scene.frame(i) for i in range(scene.head.n)]


def residual(scene: FaceScene, i: int, matrix: np.ndarray) -> float:
    """RMS distance (px) over the face box between the fitted and the true head motion."""
    b = scene.face_box
    ys, xs = np.mgrid[b.y0 : b.y1 : 4, b.x0 : b.x1 : 4]
    pts = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)
    diff = apply(matrix, pts) - apply(scene.transform(i), pts)
    return float(np.sqrt((diff**2).sum(axis=1).mean()))


def run(
    frames: list[np.ndarray], registrar: Registrar
) -> list[tuple[np.ndarray, FrameRegistration]]:
    return [registrar.register(f) for f in frames]


def grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


# ------------------------------------------------------------------ head motion


@pytest.mark.parametrize("method", ["points", "ecc"])
def test_registration_removes_the_head_motion(scene, frames, method):
    registrar = Registrar(frames[0], scene.face_box, method=method)
    out = run(frames, registrar)
    res = np.array([residual(scene, i, info.matrix) for i, (_, info) in enumerate(out)])
    unregistered = np.array([residual(scene, i, np.eye(2, 3)) for i in range(len(frames))])
    assert np.sqrt(np.mean(unregistered**2)) > 8.0  # the planted motion: +-5 deg, +-10 px
    assert np.sqrt(np.mean(res**2)) < 0.5
    # ECC is a least-squares fit over every pixel: near the apex the expression pulls it
    assert res.max() < (0.5 if method == "points" else 0.8)
    assert all(info.status == "ok" and info.correlation > 0.9 for _, info in out)
    assert registrar.stats.notes() == []
    # the pixels agree: the face in every registered crop sits where it is in the first one
    b, c = scene.face_box, registrar.crop_box
    face = (slice(b.y0 - c.y0, b.y1 - c.y0), slice(b.x0 - c.x0, b.x1 - c.x0))
    window = cv2.createHanningWindow((b.width, b.height), cv2.CV_64F)
    first = grey(out[0][0])[face].astype(np.float64)
    for crop, _ in out:
        (dx, dy), _ = cv2.phaseCorrelate(first, grey(crop)[face].astype(np.float64), window)
        assert np.hypot(dx, dy) < 0.5


def test_fitted_transform_reads_as_rotation_scale_and_shift(scene, frames):
    i = int(np.argmax(np.abs(scene.angles)))
    registrar = Registrar(frames[0], scene.face_box)
    for f in frames[: i + 1]:
        _, info = registrar.register(f)
    assert info.angle == pytest.approx(scene.angles[i], abs=0.1)
    assert info.scale == pytest.approx(scene.scales[i], abs=0.005)


def test_the_expression_survives_registration(scene, frames):
    """Flow inside the expression's region, registered apex vs first frame, is within 20% of
    the same flow measured on a video whose head does not move (and of the planted one)."""
    registrar = Registrar(frames[0], scene.face_box)
    out = run(frames[: APEX + 1], registrar)
    c = registrar.crop_box
    crop = (slice(c.y0, c.y1), slice(c.x0, c.x1))
    planted = np.hypot(*scene.expression)[crop]
    region = planted >= 0.5 * planted.max()

    def flow(a: np.ndarray, b: np.ndarray) -> float:
        f = cv2.calcOpticalFlowFarneback(grey(a), grey(b), None, 0.5, 4, 21, 5, 7, 1.5, 0)
        return float(np.hypot(f[..., 0], f[..., 1])[region].mean())

    registered = flow(out[0][0], out[APEX][0])
    still = flow(scene.frame(0, head=False)[crop], scene.frame(APEX, head=False)[crop])
    truth = float(scene.curve[APEX] * planted[region].mean())
    assert registered == pytest.approx(still, rel=0.2)
    assert registered == pytest.approx(truth, rel=0.2)


def test_no_registration_is_the_fixed_crop(scene, frames):
    registrar = Registrar(frames[0], scene.face_box, method="none")
    c = registrar.crop_box
    crop, info = registrar.register(frames[5])
    assert np.array_equal(crop, frames[5][c.y0 : c.y1, c.x0 : c.x1])
    assert info.status == "ok" and np.array_equal(info.matrix, np.eye(2, 3))
    sized = Registrar(frames[0], scene.face_box, method="none", size=64)
    small, _ = sized.register(frames[5])
    assert np.array_equal(small, to_square(crop, 64))


# ------------------------------------------------------------------ a stream's faults


def test_an_occluded_face_is_counted_and_tracking_resumes(scene):
    hidden = range(20, 28)
    cover = Box(100, 40, 540, 460)
    frames = [scene.frame(i, occluder=cover if i in hidden else None) for i in range(36)]
    registrar = Registrar(frames[0], scene.face_box)
    out = run(frames, registrar)
    lost = [i for i, (_, info) in enumerate(out) if info.status == "lost"]
    assert lost == list(hidden)
    s = registrar.stats
    assert (s.frames, s.lost, s.gaps, s.longest_gap) == (36, 8, 1, 8)
    assert s.detections >= 1
    for i in hidden:  # the last good transform is used, and said so
        info = out[i][1]
        assert info.fallback and info.reason
        assert np.array_equal(info.matrix, out[hidden[0] - 1][1].matrix)
    for i in range(hidden[-1] + 1, 36):
        assert out[i][1].status in ("ok", "reacquired")
        assert residual(scene, i, out[i][1].matrix) < 0.5
    assert "face lost in 8 of 36 frames (1 gap(s), longest 8 frames" in s.notes()[0]


def test_a_face_that_leaves_the_picture_is_found_again_by_the_detector(scene):
    """The face leaves to the right for 6 frames and comes back 70 px from where it left."""
    gone, back = range(10, 16), (-70.0, 25.0)

    def offset(i: int) -> tuple[float, float]:
        return (500.0, 0.0) if i in gone else back if i >= gone[-1] + 1 else (0.0, 0.0)

    frames = [scene.frame(i, offset=offset(i)) for i in range(24)]
    registrar = Registrar(frames[0], scene.face_box, detector=FaceDetector())
    out = run(frames, registrar)
    statuses = [info.status for _, info in out]
    assert all(statuses[i] == "lost" for i in gone)
    assert "reacquired" in statuses[gone[-1] + 1 :]
    s = registrar.stats
    assert s.reacquired == 1 and s.detections >= 2
    assert s.lost == s.longest_gap and s.gaps == 1
    true = compose(np.array([[1.0, 0.0, back[0]], [0.0, 1.0, back[1]]]), scene.transform(23))
    assert residual_against(scene, out[23][1].matrix, true) < 0.5


def residual_against(scene: FaceScene, matrix: np.ndarray, true: np.ndarray) -> float:
    b = scene.face_box
    pts = np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x0, b.y1], [b.x1, b.y1]], np.float64)
    return float(np.sqrt(((apply(matrix, pts) - apply(true, pts)) ** 2).sum(axis=1).mean()))


def test_without_a_detector_a_lost_face_stays_lost(scene, frames):
    far = [scene.frame(i, offset=(400.0, 0.0)) for i in range(1, 6)]
    policy = TrackingPolicy(redetect_after=None)
    registrar = Registrar(frames[0], scene.face_box, policy=policy)
    out = run([frames[0], *far], registrar)
    assert [info.status for _, info in out] == ["ok"] + ["lost"] * 5
    assert registrar.stats.detections == 0 and registrar.stats.longest_gap == 5


def test_duplicated_and_dropped_frames_are_counted(scene, frames):
    registrar = Registrar(frames[0], scene.face_box)
    registrar.register(frames[0], index=0)
    crop, info = registrar.register(frames[1], index=1)
    again, dup = registrar.register(frames[1].copy(), index=2)
    assert dup.status == "duplicate" and np.array_equal(again, crop)
    assert np.array_equal(dup.matrix, info.matrix)
    _, late = registrar.register(frames[6], index=6)  # frames 3-5 never came
    assert late.status == "ok" and residual(scene, 6, late.matrix) < 0.5
    s = registrar.stats
    assert (s.frames, s.duplicates, s.dropped) == (4, 1, 3)
    assert s.notes() == [
        "1 duplicated frame(s) (identical to the previous one)",
        "3 frame(s) missing from the numbering (dropped)",
    ]
    with pytest.raises(ValueError, match="must increase"):
        registrar.register(frames[7], index=6)


def test_bad_frames_and_arguments_are_clear_errors(scene, frames):
    registrar = Registrar(frames[0], scene.face_box)
    with pytest.raises(ValueError, match="changed size"):
        registrar.register(frames[1][:, :320])
    with pytest.raises(ValueError, match="uint8"):
        registrar.register(frames[1].astype(np.float32))
    with pytest.raises(ValueError, match="leaves the 640x480 frame"):
        Registrar(frames[0], Box(600, 10, 700, 100))
    with pytest.raises(ValueError, match="unknown registration method"):
        Registrar(frames[0], scene.face_box, method="sift")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown motion"):
        Registrar(frames[0], scene.face_box, motion="projective")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="trackable corners"):
        Registrar(np.full((480, 640, 3), 128, np.uint8), scene.face_box)


# ------------------------------------------------------------------ reference policy


def test_the_reference_changes_only_by_policy(scene, frames):
    still = Registrar(frames[0], scene.face_box)
    run(frames[:30], still)
    assert still.stats.refreshes == 0
    policy = TrackingPolicy(refresh_every=10)
    refreshed = Registrar(frames[0], scene.face_box, policy=policy)
    out = run(frames[:30], refreshed)
    assert refreshed.stats.refreshes == 3  # at frames 10, 20 and 30
    assert max(residual(scene, i, info.matrix) for i, (_, info) in enumerate(out)) < 0.5
    refreshed.reset(frames[30], scene.face_box)
    _, info = refreshed.register(frames[30])
    assert np.allclose(info.matrix, np.eye(2, 3), atol=0.05)
    assert refreshed.stats.resets == 1


def test_grey_frames_and_affine_motion(scene):
    frames = [grey(scene.frame(i)) for i in range(0, 24, 3)]
    registrar = Registrar(frames[0], scene.face_box, motion="affine", size=96)
    for k, f in enumerate(frames):
        crop, info = registrar.register(f)
        assert crop.shape == (96, 96)
        assert residual(scene, 3 * k, info.matrix) < 0.5


def test_translation_only_tracks_a_translating_head():
    scene = FaceScene(seed=1, head=HeadMotion(n=12, angle=0.0, scale=0.0))
    frames = [scene.frame(i) for i in range(12)]
    for method in ("points", "ecc"):
        registrar = Registrar(frames[0], scene.face_box, method=method, motion="translation")
        for i, (_, info) in enumerate(run(frames, registrar)):
            assert info.status == "ok" and residual(scene, i, info.matrix) < 0.5


# ------------------------------------------------------------------ geometry and records


@pytest.mark.parametrize("motion", ["translation", "similarity", "affine"])
def test_fit_motion_recovers_an_exact_transform(motion):
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 200, size=(30, 2))
    true = {
        "translation": np.array([[1.0, 0.0, 3.5], [0.0, 1.0, -2.0]]),
        "similarity": cv2.getRotationMatrix2D((100, 80), 4.0, 1.03),
        "affine": np.array([[1.02, 0.05, 3.0], [-0.03, 0.97, 1.0]]),
    }[motion]
    assert np.allclose(fit_motion(src, apply(true, src), motion), true, atol=1e-9)


def test_matrix_helpers():
    m = cv2.getRotationMatrix2D((50, 40), 7.0, 1.1)
    assert angle_of(m) == pytest.approx(7.0)
    assert scale_of(m) == pytest.approx(1.1)
    assert np.allclose(compose(m, invert(m)), np.eye(2, 3))
    assert np.allclose(nearest_similarity(m, (10, 10)), m)
    shear = m + np.array([[0.0, 0.05, 0.0], [0.0, 0.0, 0.0]])
    sim = nearest_similarity(shear, (50, 40))
    assert np.allclose(
        apply(sim, np.array([[50.0, 40.0]])), apply(shear, np.array([[50.0, 40.0]]))
    )
    assert sim[0, 0] == pytest.approx(sim[1, 1]) and sim[0, 1] == pytest.approx(-sim[1, 0])
    a, b = Box(10, 10, 50, 50), Box(100, 20, 180, 100)
    assert np.allclose(
        apply(box_to_box(a, b), np.array([[10.0, 10.0], [50.0, 50.0]])), [[100, 20], [180, 100]]
    )
    assert inside_fraction(np.eye(2, 3), a, (60, 60)) == 1.0
    shifted = np.array([[1.0, 0.0, 1000.0], [0.0, 1.0, 0.0]])
    assert inside_fraction(shifted, a, (60, 60)) == 0.0


def test_tracking_policy_and_stats():
    with pytest.raises(ValueError):
        TrackingPolicy(redetect_every=0)
    with pytest.raises(ValueError):
        TrackingPolicy(refresh_every=0)
    s = TrackingStats(frames=10)
    for reason in ("low correlation with the reference face",) * 2:
        s.record_lost(reason)
    s.record_fitted()
    s.record_lost("face outside the frame")
    assert (s.lost, s.gaps, s.longest_gap, s.lost_for) == (3, 2, 2, 1)
    assert s.notes() == [
        "face lost in 3 of 10 frames (2 gap(s), longest 2 frames; 2 low correlation with the "
        "reference face, 1 face outside the frame); the last good alignment was used"
    ]
