"""Spot and recognise micro-expressions in your own video or frames with a trained joint
network: ``Predictor.from_checkpoint(ckpt).run(video_or_folder)``, or on the command line
``python -m microexp.predict CKPT INPUT --out DIR``."""

from microexp.predict.errors import PredictError
from microexp.predict.model import Model, load_model
from microexp.predict.prediction import Prediction
from microexp.predict.predictor import Predictor

__all__ = ["Model", "PredictError", "Prediction", "Predictor", "load_model"]
