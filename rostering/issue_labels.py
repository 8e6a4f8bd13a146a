"""Who a row problem is about, from the identifying fields the import kept with it
(ImportIssue.excerpt): a person's name, role, grade, school and Aeries id; a contact and
their student; an enrollment as who was to be in which class; a class by its title."""

from collections.abc import Iterable

from rostering.models import ImportIssue, Section
from rostering.roster_labels import (
    RowLabel,
    people_labels_by_sourced_id,
    person_label,
    sis_school_names,
)

# Raw rows (a row the client could not read) keep the SIS's own keys.
RAW_KEYS = {
    "givenName": "given_name",
    "familyName": "family_name",
    "FirstName": "given_name",
    "LastName": "family_name",
    "userIds": "user_ids",
    "grades": "grades",
    "Grade": "grades",
}
PERSON_ROLES = ("student", "teacher", "staff", "administrator")


def _fields(excerpt: dict) -> dict:
    fields = dict(excerpt)
    for raw, name in RAW_KEYS.items():
        if raw in excerpt and name not in fields:
            fields[name] = excerpt[raw]
    if isinstance(fields.get("grades"), str):
        fields["grades"] = [fields["grades"]]
    return fields


def _user_ids(value) -> list:
    if not isinstance(value, list):
        return []
    pairs = []
    for item in value:
        if isinstance(item, dict):
            pairs.append((item.get("type", ""), item.get("identifier", "")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append(tuple(item))
    return pairs


def _person(issue: ImportIssue, fields: dict, schools: dict[str, str]) -> RowLabel:
    role = str(fields.get("role") or "")
    school_ids = fields.get("school_sourced_ids") or []
    return person_label(
        given=str(fields.get("given_name", "")),
        family=str(fields.get("family_name", "")),
        role=role if role in PERSON_ROLES else None,
        sourced_id=issue.sourced_id or str(fields.get("sourced_id", "")),
        grades=fields.get("grades") or (),
        schools=[schools.get(s, s) for s in school_ids if isinstance(s, str)],
        user_ids=_user_ids(fields.get("user_ids")),
    )


def _linked(ids: Iterable[tuple[str, dict]], key: str) -> set[str]:
    return {str(f[key]) for _, f in ids if f.get(key)}


def issues_label(
    issues: list[ImportIssue], *, district_id: int, connection_id: int | None
) -> list[ImportIssue]:
    """Sets `who` (a RowLabel) on each issue — an ImportIssue or any row with its
    `sourced_id` and `excerpt` (the CSV export's plain rows); one query per kind of
    linked row."""
    if not issues:
        return issues
    schools = sis_school_names(connection_id=connection_id)
    fields = [(issue, _fields(issue.excerpt or {})) for issue in issues]
    linked_people = _linked(fields, "user_sourced_id") | _linked(fields, "student_sourced_id")
    people = people_labels_by_sourced_id(
        district_id=district_id, sourced_ids=linked_people, school_names=schools
    ) if linked_people else {}  # fmt: skip
    classes = _linked(fields, "class_sourced_id")
    # This year's classes, through their unique index (an archived class is named by
    # its sourcedId: reading every year's classes of the district was 100 ms a page).
    current = Section.objects.filter(
        district_id=district_id, sourced_id__in=classes, year_archive__isnull=True
    )
    sections = dict(current.values_list("sourced_id", "title")) if classes else {}
    for issue, f in fields:
        issue.who = _who(issue, f, schools, people, sections)
    return issues


def _who(issue, f: dict, schools, people, sections) -> RowLabel:
    if f.get("user_sourced_id") or f.get("class_sourced_id"):
        user, klass = str(f.get("user_sourced_id", "")), str(f.get("class_sourced_id", ""))
        person = people.get(user)
        who = person.name if person else f"user {user} (not in the roster)"
        title = sections.get(klass) or f"class {klass}"
        details = person.details if person else f"{f.get('role', '')} enrollment"
        return RowLabel(f"{who} in {title}", details, person.aeries_id if person else user)
    if f.get("student_sourced_id") and not f.get("role"):
        student = people.get(str(f["student_sourced_id"]))
        name = f"{f.get('given_name', '')} {f.get('family_name', '')}".strip() or "(no name)"
        whose = student.name if student else f"student {f['student_sourced_id']}"
        return RowLabel(name, f"{f.get('relationship') or 'contact'} of {whose}", "")
    if f.get("title") and not f.get("role"):
        school = schools.get(str(f.get("school_sourced_id", "")), "")
        return RowLabel(str(f["title"]), " · ".join(p for p in (school, issue.sourced_id) if p))
    if f.get("given_name") or f.get("family_name") or f.get("role"):
        return _person(issue, f, schools)
    return RowLabel(issue.sourced_id or "(no id)", "", issue.sourced_id)
