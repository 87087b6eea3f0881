"""The error of inference: an input or checkpoint that cannot be used."""


class PredictError(ValueError):
    """An input or checkpoint that cannot be used; the message names it and says why."""
