"""Name formats (rostering/naming.py): the documented folding, templates, numbering."""

import random

import pytest
from django.core.exceptions import ValidationError

from rostering.naming import (
    Allocator,
    RoleNames,
    fold,
    in_family,
    name_values,
    numbered,
    render,
    template_errors,
)
from rostering.rules_settings import name_format_clean


def _values(given="Zoë", family="O'Brien-Núñez", **more):
    return name_values(role="student", given=given, family=family, **more)


def test_folding_transliterates_lowercases_and_drops_symbols():
    assert fold("Zoë O'Brien-Núñez") == "zoeobriennunez"
    assert fold("Łukasz Øster ß") == "lukaszosterss"
    assert fold("李 小龍") == "lixiaolong"
    assert fold("  ") == ""


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{first}.{last}", "zoe.obriennunez"),
        ("{first_initial}{last}", "zobriennunez"),
        ("{last}{first:1}{middle_initial}", "obriennunezz"),  # no middle name
        ("{student_id}", "990412"),
        ("s{id}", "s990412"),
        ("{first}.{middle}.{last}", "zoe.obriennunez"),  # no middle name: one dot
    ],
)
def test_templates_give_the_documented_names(template, expected):
    values = _values(student_id="990412")
    assert render(template, values, cap=30) == expected


def test_names_are_capped_and_numbers_fit_within_the_cap():
    values = _values(given="Maximiliana", family="Vandenberghe-Rosenthal")
    name = render("{first}.{last}", values, cap=20)
    assert name == "maximiliana.vandenbe" and len(name) == 20
    assert numbered(name, 12, cap=20) == "maximiliana.vanden12"
    assert render("{first}.{last}", _values(given="Ann", family="Lee"), cap=4) == "ann"  # no dot
    assert numbered("jsmith@example.org", 2, cap=64) == "jsmith2@example.org"


def test_e_mail_templates_build_on_the_username():
    names = RoleNames(username="{first_initial}{last}", email="{username}@Students.Example.org",
                      cap=20)  # fmt: skip
    values = _values()
    username = names.username_base(values)
    assert names.email_for(values, "zobriennunez3") == "zobriennunez3@students.example.org"
    assert username == "zobriennunez"


def test_a_family_is_the_base_and_its_numbered_collisions():
    assert in_family("jsmith", "jsmith", cap=20)
    assert in_family("jsmith2", "jsmith", cap=20) and in_family("jsmith17", "jsmith", cap=20)
    assert not in_family("jsmith1", "jsmith", cap=20)
    assert not in_family("jsmithe", "jsmith", cap=20) and not in_family(
        "john.smith", "jsmith", cap=20
    )
    assert in_family("abcdefgh12", "abcdefghij", cap=10)


def test_collisions_are_numbered_by_sourced_id_whatever_the_order_they_come_in():
    people = [(f"{n:03d}", "jsmith") for n in range(12)] + [("500", "ajones")]

    def names(order):
        allocator = Allocator({"jsmith": "existing"}, cap=20)
        return {sid: allocator.take(sid, base) for sid, base in sorted(order)}

    first = names(people)
    for _ in range(5):
        shuffled = people[:]
        random.shuffle(shuffled)
        assert names(shuffled) == first
    assert first["000"] == "jsmith2" and first["011"] == "jsmith13" and first["500"] == "ajones"


@pytest.mark.parametrize(
    ("template", "email", "message"),
    [
        ("{first}.{surname}", False, "{surname} is not a placeholder"),
        ("{first} {last}", False, "' ' cannot be in a name"),
        ("{first}@x.org", False, "has no @"),
        ("{username}", False, "e-mail templates only"),
        ("{first}.{last}", True, "ends with @ and a domain"),
        ("{first}@localhost", True, "is not a domain"),
        ("teacher", False, "at least one placeholder"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template, email, message):
    assert any(message in error for error in template_errors(template, email=email))


def test_the_service_refuses_a_bad_template_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        name_format_clean(values={"staff_email": "{first}.{last}"})
    assert "staff_email" in refused.value.message_dict
    assert name_format_clean(values={"student_username": " {first}.{last} "}) == {
        "student_username": "{first}.{last}"
    }
