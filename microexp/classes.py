"""Protocols and class names shared by readers, tasks, reports and inference."""

from __future__ import annotations

#: The 5-class CASME II protocol (the paper's): fear and sadness are dropped.
CLASSES_5: tuple[str, ...] = ("happiness", "disgust", "repression", "surprise", "others")
#: The full 7-class CASME II protocol.
CLASSES_7: tuple[str, ...] = CLASSES_5 + ("fear", "sadness")
PROTOCOLS: dict[str, tuple[str, ...]] = {"5": CLASSES_5, "7": CLASSES_7}

#: Emotion names as the coding sheets spell them -> the canonical name.
EMOTION_SYNONYMS: dict[str, str] = {
    "happy": "happiness",
    "happiness": "happiness",
    "disgust": "disgust",
    "disgusted": "disgust",
    "repression": "repression",
    "repressed": "repression",
    "surprise": "surprise",
    "surprised": "surprise",
    "others": "others",
    "other": "others",
    "fear": "fear",
    "fearful": "fear",
    "sadness": "sadness",
    "sad": "sadness",
}


def canonical_emotion(text: str) -> str | None:
    """``"Happy "`` -> ``"happiness"``; None when the name is not known."""
    return EMOTION_SYNONYMS.get(text.strip().lower())
