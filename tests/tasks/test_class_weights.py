"""Per-class loss weights: the named settings, given lists, inverse training frequency."""

from __future__ import annotations

import pytest

from microexp.tasks.class_weights import check_spec, inverse_frequency, per_class_weights


def test_inverse_frequency_has_mean_one_over_present_classes() -> None:
    # 1/count = 1/8, 1/2, 1/4 (mean 7/24); a class without clips gets 0
    assert inverse_frequency([8, 2, 0, 4]) == pytest.approx([3 / 7, 12 / 7, 0.0, 6 / 7])
    assert inverse_frequency([5, 5, 5]) == pytest.approx([1.0, 1.0, 1.0])


def test_named_and_given_weights() -> None:
    assert per_class_weights("none", [3, 1], 2) is None
    assert per_class_weights(None, None, 2) is None
    assert per_class_weights([1, 2.5], None, 2) == [1.0, 2.5]
    assert per_class_weights("balanced", [3, 1], 2) == pytest.approx([0.5, 1.5])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("balance", "none, balanced or a list of 2 weights"),
        ([1.0], "1 weight"),
        ([1.0, 0.0], "positive"),
        ([1.0, float("nan")], "positive"),
        ([1.0, True], "positive"),
    ],
)
def test_bad_settings_are_clear_errors(spec, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_spec(spec, 2)


def test_balanced_without_labelled_training_clips() -> None:
    with pytest.raises(ValueError, match="no labelled clip"):
        per_class_weights("balanced", [0, 0], 2)
