"""The people list's search: each word typed is a part of a name, username, e-mail or SIS
identifier, or a whole Student ID / Staff ID (sourcedId). On PostgreSQL the text it
searches is the expression of the person_search trigram index (migration 0026), so a
word of 3 characters or more reads the index, not a million people."""

from django.db.models import Func, Q, QuerySet, TextField
from django.utils.text import smart_split, unescape_string_literal

# PersonSearchText below renders exactly this expression (a test compares them, and one
# on PostgreSQL checks the index is used).
SEARCH_COLUMNS = ("family_name", "given_name", "username", "email", "identifier")
SEARCH_WORDS = 10  # words of one search read at most (each is a condition)


class PersonSearchText(Func):
    """`family_name || ' ' || given_name || ' ' || … || identifier` (the same text on
    both databases; Django's `icontains` wraps it in UPPER(), as the index does)."""

    function = ""
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(*SEARCH_COLUMNS)


def search_words(term: str) -> list[str]:
    """The words of a search as Django's admin splits them ("quoted phrases" kept)."""
    words = []
    for word in smart_split(term):
        if word[:1] in "\"'" and word[-1:] == word[:1] and len(word) > 1:
            word = unescape_string_literal(word)
        if word.strip():
            words.append(word.strip())
    return words[:SEARCH_WORDS]


def people_search(*, queryset: QuerySet, term: str) -> QuerySet:
    """The people of `queryset` each word of `term` finds (all words must match)."""
    queryset = queryset.alias(search_text=PersonSearchText())
    for word in search_words(term):
        queryset = queryset.filter(Q(search_text__icontains=word) | Q(sourced_id=word))
    return queryset


class Unindexed(Func):
    """`column || ''`: the column's own order, which no index gives (see below)."""

    template = "(%(expressions)s || '')"
    output_field = TextField()


def search_ordering(ordering: list) -> list:
    """A search's order by family name, read after the matches instead of along the
    name index: PostgreSQL otherwise walks the people by name until a page of matches
    turns up — the matches of a name sit together, far down the list for a late
    letter (650 ms for "Chávez" over a million people, 200 ms this way; a search's
    cost follows its matches, not the alphabet)."""
    ordered = []
    for entry in ordering:
        if isinstance(entry, str) and entry.lstrip("-") == "family_name":
            expression = Unindexed("family_name")
            entry = expression.desc() if entry.startswith("-") else expression.asc()
        ordered.append(entry)
    return ordered
