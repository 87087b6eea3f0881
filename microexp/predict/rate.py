"""Frame-rate-aware steps: a network step spans the time it spanned in training
(``frame_stride / fps`` of the checkpoint), whatever the input's frame rate; the flow's lag
keeps its number of steps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from microexp.predict.errors import PredictError
from microexp.predict.model import Model

#: The rate assumed for checkpoints that do not record theirs (CASME II's, the default data).
ASSUMED_TRAINING_FPS = 200.0
#: A step whose duration differs from the training step by more than this fraction is warned of.
RATE_TOLERANCE = 0.05


@dataclass(frozen=True)
class StepPlan:
    """Input frames per step and why.

    Attributes:
        stride: input frames per network step.
        input_fps: the input's frame rate (None: unknown, taken as the training rate).
        training_fps: the checkpoint's (or the assumed) rate.
        training_stride: the checkpoint's frames per step.
        warnings: what the user should know (an assumed rate, a step that cannot match).
    """

    stride: int
    input_fps: float | None
    training_fps: float
    training_stride: int
    warnings: tuple[str, ...] = ()

    @property
    def step_ms(self) -> float:
        """What one step spans in the input, milliseconds."""
        return 1000.0 * self.stride / (self.input_fps or self.training_fps)

    @property
    def training_step_ms(self) -> float:
        return 1000.0 * self.training_stride / self.training_fps

    def apply(self, model: Model) -> Model:
        """``model`` stepping ``stride`` input frames (a lag reference keeps its steps)."""
        if self.stride == model.frame_stride:
            return model
        lag = model.flow_lag // model.frame_stride * self.stride
        return dataclasses.replace(model, frame_stride=self.stride, flow_lag=lag)

    def describe(self) -> str:
        rate = f"{self.input_fps:g} fps" if self.input_fps else "unknown rate"
        return (
            f"step {self.stride} frame{'s' if self.stride != 1 else ''} at {rate} = "
            f"{self.step_ms:.1f} ms (trained: {self.training_stride} at "
            f"{self.training_fps:g} fps = {self.training_step_ms:.1f} ms)"
        )


def plan_steps(model: Model, input_fps: float | None, stride: int | None = None) -> StepPlan:
    """The stride for an input at ``input_fps`` (None: unknown) so that a step spans the
    training step's time; ``stride`` (``--stride``) overrides the choice.

    Raises:
        PredictError: a rate or stride below or at zero.
    """
    if input_fps is not None and not input_fps > 0:
        raise PredictError(f"--fps must be > 0, got {input_fps}")
    if stride is not None and stride < 1:
        raise PredictError(f"--stride must be >= 1, got {stride}")
    warnings = []
    train_fps = model.fps
    if train_fps is None:
        train_fps = ASSUMED_TRAINING_FPS
        warnings.append(
            f"the checkpoint does not record the frame rate it was trained at (written before "
            f"it was recorded): assuming {train_fps:g} fps"
        )
    if input_fps is None:
        warnings.append(
            f"the input's frame rate is unknown: assuming the training rate {train_fps:g} fps "
            "(give --fps for a folder of frames)"
        )
    seconds = model.frame_stride / train_fps
    chosen = stride or max(1, round(seconds * (input_fps or train_fps)))
    plan = StepPlan(chosen, input_fps, train_fps, model.frame_stride)
    mismatch = abs(plan.step_ms - plan.training_step_ms) / plan.training_step_ms
    if mismatch > RATE_TOLERANCE:
        why = "--stride" if stride else f"the input's {input_fps:g} fps"
        warnings.append(
            f"{why} cannot match the training step: a step spans {plan.step_ms:.1f} ms "
            f"({chosen} frame{'s' if chosen != 1 else ''}) where the network was trained on "
            f"{plan.training_step_ms:.1f} ms steps; intensities and intervals may be off"
        )
    return dataclasses.replace(plan, warnings=tuple(warnings))
