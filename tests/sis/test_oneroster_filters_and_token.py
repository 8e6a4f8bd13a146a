"""Providers that refuse a filter or a scope: the client asks with less and says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sis import errors
from sis.oneroster_token import CORE_SCOPE, DEMOGRAPHICS_SCOPE, ROSTER_SCOPE
from sis.probe import connection_probe
from sis.records import DELTA_UNSUPPORTED, FILTER_UNSUPPORTED, SCOPE_REDUCED, Entity
from tests.sis.sandbox_clients import SANDBOX_OPTIONS, read_all, sandbox_client, sandbox_credentials

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def ids(records) -> list[str]:
    return sorted((r.sourced_id, getattr(r, "student_sourced_id", None)) for r in records)


def filters_spy(roster) -> list[str]:
    """The filter= of every request the client sends (events carry no query strings)."""
    sent: list[str] = []
    request = roster.http.request

    def spy(method, url, **kwargs):
        sent.append((kwargs.get("params") or {}).get("filter") or "")
        return request(method, url, **kwargs)

    roster.http.request = spy
    return sent


@pytest.mark.parametrize("entity", [Entity.STAFF, Entity.ADMINISTRATORS, Entity.CONTACTS])
def test_a_refused_role_filter_is_applied_here_instead(sandbox_sis, entity):
    with sandbox_client(sandbox_sis) as roster:
        expected, _ = read_all(roster, entity)
    sandbox_sis.set_behaviours(rejected_filters=["role"])
    urls = []

    with sandbox_client(sandbox_sis, on_request=lambda e: urls.append(e.path)) as roster:
        records, pages = read_all(roster, entity)

    assert expected and ids(records) == ids(expected)
    (notice,) = [n for page in pages for n in page.notices]
    assert notice.code == FILTER_UNSUPPORTED and notice.entity is entity
    assert "role='" in notice.message and not any(page.full_read for page in pages)
    # One refused filtered read, then one unfiltered read for every role of the entity.
    assert urls.count("/aeries/ims/oneroster/v1p1/users") == 2


def test_a_refused_delta_filter_becomes_a_full_read_and_says_so(sandbox_sis):
    sandbox_sis.set_behaviours(rejected_filters=["dateLastModified"])
    with sandbox_client(sandbox_sis) as roster:
        records, pages = read_all(roster, Entity.CLASSES, since=datetime.now(UTC))

    assert len(records) == len(sandbox_sis.district.sections)  # a full read, not zero
    assert all(page.full_read for page in pages)
    (notice,) = [n for page in pages for n in page.notices]
    assert notice.code == DELTA_UNSUPPORTED and notice.entity is Entity.CLASSES
    assert roster.notices == [notice]


def test_a_delta_of_users_keeps_the_role_filter_when_only_the_date_is_refused(sandbox_sis):
    sandbox_sis.set_behaviours(rejected_filters=["dateLastModified"])

    with sandbox_client(sandbox_sis) as roster:
        spied = filters_spy(roster)
        records, pages = read_all(roster, Entity.CONTACTS, since=LONG_AGO)

    assert records and all(page.full_read for page in pages if page.records)
    sent = [f for f in spied if f]
    # role AND delta refused, then the delta alone refused, then role alone: kept for the
    # guardian and relative passes, which ask without the date straight away.
    assert sent[:3] == [
        "role='parent' AND dateLastModified>'2020-01-01T00:00:00Z'",
        "dateLastModified>'2020-01-01T00:00:00Z'",
        "role='parent'",
    ]
    assert "role='guardian'" in sent and "role='relative'" in sent
    assert sum("dateLastModified" in f for f in sent) == 2


def test_a_refused_demographics_scope_is_dropped_and_noted(sandbox_sis):
    sandbox_sis.set_behaviours(refused_scopes=[DEMOGRAPHICS_SCOPE])
    with sandbox_client(sandbox_sis) as roster:
        students, pages = read_all(roster, Entity.STUDENTS)

    assert len(students) == 200
    (notice,) = roster.notices
    assert notice.code == SCOPE_REDUCED and "roster-demographics.readonly" in notice.message
    assert notice in pages[0].notices


def test_no_scope_granted_names_the_scope_to_grant_not_the_secret(sandbox_sis):
    sandbox_sis.set_behaviours(refused_scopes=[CORE_SCOPE, ROSTER_SCOPE, DEMOGRAPHICS_SCOPE])
    with sandbox_client(sandbox_sis) as roster, pytest.raises(errors.SisScopeError) as caught:
        roster.authenticate()
    assert "invalid_scope" in caught.value.message
    assert "the Consumer ID and Secret are right" in caught.value.message
    assert caught.value.fix == errors.SCOPE_FIX.format(scope=CORE_SCOPE)
    assert errors.BAD_CREDENTIALS_FIX not in str(caught.value)


def test_the_probe_reports_the_scope_and_the_refused_filter(sandbox_sis):
    sandbox_sis.set_behaviours(refused_scopes=[DEMOGRAPHICS_SCOPE], rejected_filters=["role"])
    report = connection_probe(credentials=sandbox_credentials(sandbox_sis), **SANDBOX_OPTIONS)
    assert report.healthy, report
    assert any("roster-demographics.readonly" in note for note in report.notes)
    assert any("role='aide'" in note for note in report.notes)

    sandbox_sis.set_behaviours(refused_scopes=[CORE_SCOPE, ROSTER_SCOPE, DEMOGRAPHICS_SCOPE])
    report = connection_probe(credentials=sandbox_credentials(sandbox_sis), **SANDBOX_OPTIONS)
    assert (report.healthy, report.code) == (False, "scope")
    assert report.fix == errors.SCOPE_FIX.format(scope=CORE_SCOPE)
