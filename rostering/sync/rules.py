"""A connection's sync rules, compiled once per import and asked per row.

How a rule decides (the same for every kind): a row (a student, a class) is kept when at
least one of its values passes — is in the include list, if the rule has one, and is not
in the exclude list. A row with no value at all (no grade, no subject, no course code, no
term) is kept unless the rule has an include list. What each rule cuts:

- grade levels: students (their grades), and classes whose grades are all outside the
  rule (a class that names no grade is kept: its enrollments follow its students);
- course codes, subjects, terms: classes (their course's code or sourcedId, `*`
  wildcards allowed; their subjects; their terms, matched by sourcedId, term code — the
  part after the school code, `F` in `994_F` — or title).

A cut class takes its enrollments with it, a cut student his enrollments and contacts.
A teacher who teaches no class the rules keep is cut too (rule_teachers.py says how);
staff and administrators are not tied to classes and are never cut.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import translate

from rostering.models.classes import AcademicSession, Course
from rostering.models.rollover import LIVE
from rostering.models.rules import RULE_KINDS, SyncRules

# Why a row was skipped: ImportRecord.skipped_reasons (counts.SKIP_REASONS has the words).
SKIP_RULE = {kind: f"rule_{kind}" for kind, _ in RULE_KINDS}
SKIP_RULE_LABELS = {
    f"rule_{kind}": f"outside the connection's sync rules ({words})" for kind, words in RULE_KINDS
}
# A teacher none of whose classes the rules keep is skipped for the rule that cut them;
# one the SIS lists no class for, for this.
SKIP_TEACHER_NO_CLASS = "rule_no_class"
SKIP_RULE_LABELS[SKIP_TEACHER_NO_CLASS] = "outside the connection's sync rules (teaches no class)"
RULE_ARCHIVE_REASON = "Outside the connection's sync rules"


@dataclass(frozen=True)
class ValueRule:
    """One kind of rule: values are compared folded (casefold, trimmed)."""

    include: tuple[Callable[[str], bool], ...]
    exclude: tuple[Callable[[str], bool], ...]

    def keeps(self, values: Iterable[str]) -> bool:
        any_value = False
        for value in values:
            any_value = True
            folded = value.strip().casefold()
            if (not self.include or any(m(folded) for m in self.include)) and not any(
                m(folded) for m in self.exclude
            ):
                return True
        return not any_value and not self.include


def _matcher(pattern: str) -> Callable[[str], bool]:
    folded = pattern.strip().casefold()
    if "*" in folded or "?" in folded:
        return re.compile(translate(folded)).match
    return folded.__eq__


def value_rule(include: Iterable[str], exclude: Iterable[str]) -> ValueRule | None:
    rule = ValueRule(
        include=tuple(_matcher(v) for v in include if v.strip()),
        exclude=tuple(_matcher(v) for v in exclude if v.strip()),
    )
    return rule if rule.include or rule.exclude else None


@dataclass(frozen=True)
class RunRules:
    grades: ValueRule | None
    course_codes: ValueRule | None
    subjects: ValueRule | None
    terms: ValueRule | None

    def student_cut(self, grades: tuple[str, ...]) -> str | None:
        """The skip reason of a student the rules leave out, or None."""
        if self.grades is not None and not self.grades.keeps(grades):
            return SKIP_RULE["grades"]
        return None

    @property
    def active(self) -> bool:
        return any((self.grades, self.course_codes, self.subjects, self.terms))


def rules_compile(rules: SyncRules | None) -> RunRules | None:
    """The rules an import applies; None when the connection has none (nothing to ask)."""
    if rules is None:
        return None
    values = rules.values()
    compiled = RunRules(
        **{kind: value_rule(values[f"{kind}_include"], values[f"{kind}_exclude"])
           for kind, _ in RULE_KINDS}
    )  # fmt: skip
    return compiled if compiled.active else None


def rules_load(connection_id: int) -> RunRules | None:
    return rules_compile(SyncRules.objects.filter(connection_id=connection_id).first())


class SectionRules:
    """Asks a class's rules, with what the run knows of courses and terms (read once)."""

    def __init__(self, rules: RunRules, *, courses: dict[str, str], terms: dict[str, str]):
        self.rules = rules
        self.course_codes = courses  # course sourcedId -> course code
        self.term_titles = terms  # term sourcedId -> title
        self._term_keys: dict[str, tuple[str, ...]] = {}

    def _course_values(self, course_sourced_id: str | None) -> tuple[str, ...]:
        if not course_sourced_id:
            return ()
        code = self.course_codes.get(course_sourced_id)
        if code is None:  # not a course of the SIS (an elementary homeroom's TCH_ id)
            return ()
        return (code, course_sourced_id) if code else (course_sourced_id,)

    def _term_passes(self, term_sourced_id: str) -> bool:
        keys = self._term_keys.get(term_sourced_id)
        if keys is None:
            code = term_sourced_id.rsplit("_", 1)[-1]
            title = self.term_titles.get(term_sourced_id, "")
            keys = self._term_keys[term_sourced_id] = tuple(
                k for k in (term_sourced_id, code, title) if k
            )
        # A term passes when one of its names passes: one ValueRule call on its names
        # would keep it as soon as any name is not excluded, so exclusions look at all.
        rule = self.rules.terms
        folded = [k.strip().casefold() for k in keys]
        if any(m(k) for m in rule.exclude for k in folded):
            return False
        return not rule.include or any(m(k) for m in rule.include for k in folded)

    def cut(self, *, grades, subjects, course_sourced_id, term_sourced_ids) -> str | None:
        """The skip reason of a class the rules leave out, or None."""
        rules = self.rules
        if rules.grades is not None and grades and not rules.grades.keeps(grades):
            return SKIP_RULE["grades"]
        if rules.course_codes is not None:
            values = self._course_values(course_sourced_id)
            if not _any_value_keeps(rules.course_codes, values):
                return SKIP_RULE["course_codes"]
        if rules.subjects is not None and not rules.subjects.keeps(subjects):
            return SKIP_RULE["subjects"]
        if rules.terms is not None:
            if term_sourced_ids:
                if not any(self._term_passes(t) for t in term_sourced_ids):
                    return SKIP_RULE["terms"]
            elif rules.terms.include:
                return SKIP_RULE["terms"]
        return None


def _any_value_keeps(rule: ValueRule, names: tuple[str, ...]) -> bool:
    """A course passes when one of its names (code, sourcedId) is included and none is
    excluded; a class without a course passes unless the rule has an include list."""
    if not names:
        return not rule.include
    folded = [n.strip().casefold() for n in names]
    if any(m(n) for m in rule.exclude for n in folded):
        return False
    return not rule.include or any(m(n) for m in rule.include for n in folded)


def section_rules_for(ctx) -> SectionRules | None:
    """The class rules of a run, with the district's course codes and term titles (two
    queries, once per classes file; the file writes its courses and terms first)."""
    if ctx.rules is None:
        return None
    district = ctx.district_id
    return SectionRules(
        ctx.rules,
        courses=dict(Course.objects.filter(LIVE, district_id=district).values_list(
            "sourced_id", "course_code")),
        terms=dict(AcademicSession.objects.filter(LIVE, district_id=district).values_list(
            "sourced_id", "title")),
    )  # fmt: skip
