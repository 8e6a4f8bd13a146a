"""School name matching on realistic SIS / vendor name pairs."""

import pytest

from rostering.school_matching import (
    AUTO_MATCH_SCORE,
    CANDIDATE_COUNT,
    REVIEW_SCORE,
    Decision,
    school_match,
    school_name_normalise,
)

AUTO, REVIEW, NONE = Decision.AUTO, Decision.REVIEW, Decision.NONE

# (SIS name, vendor name, decision when the vendor school is the only one)
PAIRS = [
    # Same school, spelled differently: maps automatically.
    ("St. Mary's", "Saint Mary School", AUTO),
    ("Washington Middle School", "Washington MS", AUTO),
    ("Jefferson Elem.", "Jefferson Elementary School", AUTO),
    ("Lincoln Elementary School", "Lincoln Elementary", AUTO),
    ("Roosevelt High School", "Roosevelt HS", AUTO),
    ("Roosevelt High School", "Roosevelt High", AUTO),
    ("Garfield Elementary School", "Garfield ES", AUTO),
    ("North High School", "North HS", AUTO),
    ("César Chávez Elementary", "Cesar Chavez Elementary School", AUTO),
    ("Mt. Diablo High", "Mount Diablo High School", AUTO),
    ("Roosevelt Junior High", "Roosevelt Middle School", AUTO),
    ("Lincoln K-8", "Lincoln K8 School", AUTO),
    ("Martin Luther King Jr. Middle", "Martin Luther King Middle School", AUTO),
    ("Eastlake High School", "East Lake High", AUTO),
    ("Oak Grove Elementary", "Oakgrove Elementary", AUTO),
    ("SIERRA VISTA ELEMENTARY SCHOOL", "Sierra Vista Elementary", AUTO),
    ("St Francis High School", "Saint Francis High", AUTO),
    ("Edison Middle", "Edison Intermediate", AUTO),
    ("O'Connor Elementary", "OConnor Elementary School", AUTO),
    ("Valley View Elem", "Valley View Elementary", AUTO),
    # Plausible but uncertain: suggested for review, never mapped automatically.
    # A surname alone could be another Kennedy (Robert F. Kennedy High is real).
    ("Kennedy High", "John F. Kennedy High School", REVIEW),
    ("Washington", "Washington Middle School", REVIEW),
    ("Lincoln K-8", "Lincoln Elementary", REVIEW),
    ("Jeffersen Elementary", "Jefferson Elementary", REVIEW),
    ("Kennedy Continuation High", "Kennedy High", REVIEW),
    ("Harvey Milk Academy", "Harvey Milk Charter Academy", REVIEW),
    ("Dr. Martin Luther King Jr. Elementary", "King Elementary", REVIEW),
    ("Sierra Vista Elementary", "Sierra Elementary", REVIEW),
    ("St. Mary's School", "St. Mary's Academy", REVIEW),
    ("Lincoln Elementary", "Lincoln Elementary School Annex", REVIEW),
    # Different schools: must not match.
    ("Lincoln Elementary", "Lincoln Middle", NONE),
    ("Roosevelt High", "Roosevelt Elementary", NONE),
    ("North High", "South High", NONE),
    ("North Valley High", "South Valley High", NONE),
    ("Roosevelt Junior High", "Roosevelt High School", NONE),
    ("Valley High", "Valley View Elementary", NONE),
    ("Elementary School No. 12", "Elementary School No. 21", NONE),
    ("PS 101", "PS 102", NONE),
    ("Del Mar Elementary", "Del Norte High", NONE),
    ("Madison Elementary", "Monroe Elementary", NONE),
    ("Hamilton High", "Hamilton Middle School", NONE),
    ("West Elementary", "East Elementary", NONE),
]


@pytest.mark.parametrize(("sis_name", "vendor_name", "decision"), PAIRS)
def test_name_pairs(sis_name, vendor_name, decision):
    result = school_match(sis_name=sis_name, vendor_names=[vendor_name])
    assert result.decision == decision, result
    if decision == NONE:
        assert result.best is None
    else:
        assert result.best == vendor_name


def test_table_is_large_and_has_every_decision():
    assert len(PAIRS) >= 30
    assert {d for *_, d in PAIRS} == {AUTO, REVIEW, NONE}


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("  St. Mary\u2019s  Academy ", "saint mary academy"),
        ("Jefferson Elem.", "jefferson elementary"),
        ("Roosevelt Jr. High", "roosevelt middle"),
        ("Lincoln TK-8", "lincoln k8"),
        ("JOSÉ MARTÍ HS", "jose marti high"),
        ("Arts & Sciences Magnet", "arts and sciences magnet"),
    ],
)
def test_normalise(name, normalised):
    assert school_name_normalise(name) == normalised


def test_level_must_agree_even_with_an_identical_core():
    result = school_match(
        sis_name="Lincoln Elementary", vendor_names=["Lincoln Middle", "Lincoln High"]
    )
    assert result.decision == NONE and result.candidates == ()


def test_picks_the_same_level_among_namesakes():
    vendors = ["Lincoln Middle", "Lincoln High", "Lincoln Elementary", "Jefferson Elementary"]
    result = school_match(sis_name="Lincoln Elementary School", vendor_names=vendors)
    assert (result.decision, result.best, result.score) == (AUTO, "Lincoln Elementary", 100.0)


def test_two_equally_good_candidates_are_ambiguous():
    result = school_match(
        sis_name="Lincoln Elementary School", vendor_names=["Lincoln Elem", "Lincoln ES"]
    )
    assert result.decision == REVIEW
    assert [c.score for c in result.candidates] == [100.0, 100.0]


def test_a_close_second_candidate_makes_it_review():
    vendors = ["Sierra Vista Elementary", "Sierra Vistas Elementary"]
    result = school_match(sis_name="Sierra Vista Elementary School", vendor_names=vendors)
    assert result.decision == REVIEW
    assert result.best == "Sierra Vista Elementary"
    assert result.candidates[1].score >= AUTO_MATCH_SCORE


def test_a_weak_best_candidate_is_only_suggested():
    result = school_match(sis_name="Jeffersen Elementary", vendor_names=["Jefferson Elementary"])
    assert result.score is not None and REVIEW_SCORE <= result.score < AUTO_MATCH_SCORE


def test_candidates_are_ranked_and_capped():
    vendors = ["Kennedy High", "Kennedy Continuation High", "Kennedy Middle", "JFK Academy"]
    vendors += ["Kennedy Adult High", "Kennedy Charter High"]
    result = school_match(sis_name="Kennedy High School", vendor_names=vendors)
    assert result.decision == AUTO and result.best == "Kennedy High"
    assert len(result.candidates) == CANDIDATE_COUNT
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert "Kennedy Middle" not in {c.name for c in result.candidates}


def test_no_vendor_schools():
    result = school_match(sis_name="Lincoln Elementary", vendor_names=[])
    assert (result.best, result.score, result.candidates, result.decision) == (
        None,
        None,
        (),
        NONE,
    )


def test_a_name_without_words_matches_nothing():
    result = school_match(sis_name="School", vendor_names=["High School", "School"])
    assert result.decision == NONE
