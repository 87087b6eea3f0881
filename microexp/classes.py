"""Protocols and class names shared by readers, tasks, reports and inference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
    # SAMM, SMIC, CASME and CAS(ME)^3
    "anger": "anger",
    "angry": "anger",
    "contempt": "contempt",
    "tense": "tense",
    "amusement": "happiness",  # CASME's sheet: FG 2013's "amusement" became "happiness"
    "negative": "negative",
    "positive": "positive",
}


def canonical_emotion(text: str) -> str | None:
    """``"Happy "`` -> ``"happiness"``; None when the name is not known."""
    return EMOTION_SYNONYMS.get(text.strip().lower())


# --------------------------------------------------------------------------------------------
# Every release's protocols: class lists and how each release's emotions map onto them.

#: The MEGC 2019 composite classes (CASME II + SAMM + SMIC-HS).
MEGC2019_CLASSES: tuple[str, ...] = ("negative", "positive", "surprise")
#: The MEGC 2019 mapping (challenge guidelines): every negative emotion of any release ->
#: negative; happiness -> positive; surprise -> surprise; others and undefined are left out.
MEGC2019_GROUPS: dict[str, tuple[str, ...]] = {
    "negative": ("negative", "repression", "anger", "contempt", "disgust", "fear", "sadness"),
    "positive": ("positive", "happiness"),
    "surprise": ("surprise",),
}


@dataclass(frozen=True)
class Protocol:
    """A class list and the emotions that each class takes (an emotion not listed is not part
    of the protocol)."""

    classes: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, classes: tuple[str, ...]) -> Protocol:
        """One class per emotion, named as the emotion."""
        return cls(classes, {name: (name,) for name in classes})

    def label(self, emotion: str) -> int | None:
        """The class index of a canonical emotion, or None when the protocol leaves it out."""
        for index, name in enumerate(self.classes):
            if emotion in self.groups.get(name, ()):
                return index
        return None


def _megc(*emotions: str) -> Protocol:
    """The MEGC 2019 three classes restricted to one release's emotions."""
    groups = {c: tuple(e for e in g if e in emotions) for c, g in MEGC2019_GROUPS.items()}
    return Protocol(MEGC2019_CLASSES, groups)


_SAMM_5 = ("anger", "contempt", "happiness", "surprise", "others")
_CASME_4 = ("tense", "disgust", "repression", "surprise")
_CASME3_7 = ("happiness", "disgust", "surprise", "fear", "anger", "sadness", "others")
_NEGATIVE_POSITIVE_SURPRISE = ("negative", "positive", "surprise")

#: dataset (registered reader name) -> protocol name -> protocol. The first protocol listed is
#: the dataset's default.
DATASET_PROTOCOLS: dict[str, dict[str, Protocol]] = {
    "casme2": {
        "5": Protocol.of(CLASSES_5),
        "7": Protocol.of(CLASSES_7),
        # fear and sadness are not in the MEGC 2019 list for CASME II
        "3": _megc("disgust", "repression", "happiness", "surprise"),
    },
    "samm": {
        "5": Protocol.of(_SAMM_5),
        "all": Protocol.of(_SAMM_5 + ("disgust", "fear", "sadness")),
        "3": _megc("anger", "contempt", "disgust", "fear", "sadness", "happiness", "surprise"),
    },
    "smic": {"3": Protocol.of(_NEGATIVE_POSITIVE_SURPRISE)},
    "casme": {
        # the four classes with enough samples, as in the CASME paper's baseline
        "4": Protocol.of(_CASME_4),
        "all": Protocol.of(_CASME_4 + ("happiness", "contempt", "fear", "sadness")),
    },
    "casme3": {
        "7": Protocol.of(_CASME3_7),
        "3": _megc("disgust", "fear", "anger", "sadness", "happiness", "surprise"),
    },
    "composite": {"3": Protocol(MEGC2019_CLASSES, MEGC2019_GROUPS)},
    # long videos are spotted, not recognised: their one "protocol" names the expression types
    # (the network's class head is not trained on them)
    "casme_sq": {"types": Protocol.of(("macro", "micro"))},
    "samm_lv": {"types": Protocol.of(("macro", "micro"))},
}


def dataset_protocols(dataset: str) -> tuple[str, ...]:
    """The protocol names known for ``dataset``, its default first."""
    try:
        return tuple(DATASET_PROTOCOLS[dataset])
    except KeyError:
        known = ", ".join(sorted(DATASET_PROTOCOLS))
        raise ValueError(f"no protocols for dataset {dataset!r}: known are {known}") from None


def protocol_of(dataset: str, protocol: str) -> Protocol:
    """The protocol ``protocol`` (``"5"``, ``"5-class"``, ``"all"``...) of ``dataset``;
    ValueError naming the dataset's known protocols otherwise."""
    name = str(protocol).split("-")[0]
    found = DATASET_PROTOCOLS.get(dataset, {}).get(name)
    if found is None:
        known = ", ".join(dataset_protocols(dataset))
        raise ValueError(f"unknown protocol {name!r} for {dataset}: known protocols are {known}")
    return found


def label_of(dataset: str, protocol: str, emotion: str) -> int | None:
    """The class index of ``emotion`` (a canonical name) under ``protocol`` for ``dataset``, or
    None when the protocol leaves that emotion out."""
    return protocol_of(dataset, protocol).label(emotion)
