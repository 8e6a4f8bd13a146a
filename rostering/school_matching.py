"""Matching an SIS school name to one of the vendor's school names.

Pure functions, no database. A name is split into three parts after normalising
spelling (accents, case, punctuation, "St." → "saint", "HS" → "high" …):

- its level (elementary, middle, high, K-8 …), which must agree: "Lincoln
  Elementary" is never "Lincoln Middle";
- distinguishing words (north/south, numbers, "charter", "continuation" …), which
  must agree for an automatic match;
- the core name ("lincoln", "john f kennedy"), compared with rapidfuzz.

Only a near-identical core with the same level and nothing ambiguous maps
automatically; anything plausible but uncertain is left for a person to review.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

# Scores are 0-100. A match maps automatically at or above AUTO_MATCH_SCORE when no
# other candidate is within AMBIGUITY_MARGIN; from REVIEW_SCORE up it is suggested.
AUTO_MATCH_SCORE = 92.0
REVIEW_SCORE = 70.0
AMBIGUITY_MARGIN = 5.0
CANDIDATE_SCORE = 50.0
CANDIDATE_COUNT = 3
# One name contained in the other ("Kennedy" in "John F Kennedy") is a lead, not proof.
SUBSET_WEIGHT = 0.9
# Only one side names a level ("Washington" vs "Washington Middle"), or the levels
# overlap without being equal ("K-8" vs "Elementary"): suggest, never auto-map.
LEVEL_UNKNOWN_PENALTY = 10.0
LEVEL_PARTIAL_PENALTY = 15.0
# "Charter", "Academy", "Continuation" … on one side only.
KIND_MISMATCH_PENALTY = 10.0


class Decision(StrEnum):
    AUTO = "auto"
    REVIEW = "review"
    NONE = "none"


class Band(StrEnum):
    ELEMENTARY = "E"
    MIDDLE = "M"
    HIGH = "H"


# Multi-word spellings first, so "junior high" never reads as "high".
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b{pattern}\b"), replacement)
    for pattern, replacement in (
        (r"(junior|jr) (senior|sr) high", "jrsrhigh"),
        (r"(junior|jr) high", "middle"),
        (r"(senior|sr) high", "high"),
        (r"middle high", "jrsrhigh"),
        (r"(tk|k|pk) ?(8|eight)", "k8"),
        (r"(tk|k|pk) ?(12|twelve)", "k12"),
        (r"early (childhood|learning|education)", "preschool"),
        (r"independent study", "independent"),
        (r"community day", "communityday"),
    )
)
_SYNONYMS: dict[str, str] = {
    "st": "saint",
    "ste": "saint",
    "mt": "mount",
    "ft": "fort",
    "ctr": "center",
    "acad": "academy",
    "prep": "preparatory",
    "elem": "elementary",
    "es": "elementary",
    "primary": "elementary",
    "ms": "middle",
    "jhs": "middle",
    "jh": "middle",
    "intermediate": "middle",
    "hs": "high",
    "shs": "high",
    "secondary": "high",
    "ahs": "high",
}
LEVEL_BANDS: dict[str, frozenset[Band]] = {
    "elementary": frozenset({Band.ELEMENTARY}),
    "middle": frozenset({Band.MIDDLE}),
    "high": frozenset({Band.HIGH}),
    "k8": frozenset({Band.ELEMENTARY, Band.MIDDLE}),
    "jrsrhigh": frozenset({Band.MIDDLE, Band.HIGH}),
    "k12": frozenset({Band.ELEMENTARY, Band.MIDDLE, Band.HIGH}),
}
# Words naming a different school when they differ: "North High" is not "South High".
DISTINGUISHING_WORDS = frozenset(
    {
        "north", "south", "east", "west", "northeast", "northwest", "southeast",
        "southwest", "upper", "lower", "new", "old", "junior", "senior", "boys", "girls",
    }
)  # fmt: skip
# Kinds of school sharing a name with an ordinary one: "Kennedy Continuation High".
KIND_WORDS = frozenset(
    {
        "academy", "charter", "magnet", "continuation", "alternative", "adult",
        "preschool", "independent", "communityday", "online", "virtual", "preparatory",
        "montessori", "opportunity",
    }
)  # fmt: skip
APOSTROPHES = "'`\u2019"
STOP_WORDS = frozenset({"school", "schools", "the", "of", "at", "and", "jr", "sr", "campus"})


@dataclass(frozen=True, slots=True)
class SchoolName:
    """A name taken apart: core words, level bands, kinds and distinguishing words.

    `compact` is the core and distinguishing words without spaces, so "East Lake"
    and "Eastlake" are recognised as one spelling.
    """

    core: str
    compact: str
    bands: frozenset[Band]
    kinds: frozenset[str]
    marks: frozenset[str]


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    best: str | None
    score: float | None
    candidates: tuple[Candidate, ...]
    decision: Decision


def school_name_normalise(name: str) -> str:
    """Lower case, no accents or punctuation, common school words spelled one way."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(rf"[{APOSTROPHES}]s\b", "", text)  # possessive: "mary's" → "mary"
    text = re.sub(rf"[{APOSTROPHES}]", "", text).replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = " ".join(_SYNONYMS.get(word, word) for word in text.split())
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return " ".join(_SYNONYMS.get(word, word) for word in text.split())


def school_name_parse(name: str) -> SchoolName:
    words = school_name_normalise(name).split()
    bands = frozenset().union(*(LEVEL_BANDS[w] for w in words if w in LEVEL_BANDS))
    kinds = frozenset(w for w in words if w in KIND_WORDS)
    marks = frozenset(w for w in words if w in DISTINGUISHING_WORDS or w.isdigit())
    named = [w for w in words if w not in LEVEL_BANDS and w not in KIND_WORDS | STOP_WORDS]
    core = " ".join(w for w in named if w not in marks)
    return SchoolName(core=core, compact="".join(named), bands=bands, kinds=kinds, marks=marks)


def school_name_score(sis: SchoolName, vendor: SchoolName) -> float:
    """0-100 similarity of two parsed names; 0 when they cannot be the same school."""
    if sis.bands and vendor.bands and not sis.bands & vendor.bands:
        return 0.0
    if sis.compact and sis.compact == vendor.compact:
        score = 100.0
    elif sis.marks != vendor.marks:
        return 0.0
    elif sis.core and vendor.core:
        score = max(
            fuzz.ratio(sis.core, vendor.core),
            SUBSET_WEIGHT * fuzz.token_set_ratio(sis.core, vendor.core),
        )
    else:
        return 0.0
    if sis.bands != vendor.bands:  # disjoint levels returned above: one is unknown or partial
        overlap = sis.bands and vendor.bands
        score -= LEVEL_PARTIAL_PENALTY if overlap else LEVEL_UNKNOWN_PENALTY
    if sis.kinds != vendor.kinds:
        score -= KIND_MISMATCH_PENALTY
    return round(max(score, 0.0), 1)


def _decide(candidates: Sequence[Candidate]) -> Decision:
    if not candidates or candidates[0].score < REVIEW_SCORE:
        return Decision.NONE
    best = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if best >= AUTO_MATCH_SCORE and best - runner_up >= AMBIGUITY_MARGIN:
        return Decision.AUTO
    return Decision.REVIEW


def school_match(*, sis_name: str, vendor_names: Sequence[str]) -> MatchResult:
    """The vendor school name that best matches an SIS school name, and how sure we are.

    `decision` is AUTO only for a near-identical name with an agreeing level and no
    close second; REVIEW for a plausible but uncertain match; NONE otherwise.
    """
    sis = school_name_parse(sis_name)
    scored = (
        Candidate(name=vendor, score=school_name_score(sis, school_name_parse(vendor)))
        for vendor in dict.fromkeys(vendor_names)
    )
    ranked = sorted(
        (c for c in scored if c.score >= CANDIDATE_SCORE), key=lambda c: (-c.score, c.name)
    )
    candidates = tuple(ranked[:CANDIDATE_COUNT])
    decision = _decide(ranked)
    best = candidates[0] if candidates and decision != Decision.NONE else None
    return MatchResult(
        best=best.name if best else None,
        score=best.score if best else None,
        candidates=candidates,
        decision=decision,
    )
