"""A native contact's relationship code, from import to the manager's mapping: a code
neither Aeries' code table nor the connection explains is a warning naming it (never a
silent "relative"); the mapping the manager writes on the connection (audited) explains
it on the next import."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from connections.models import Connection
from connections.services import connection_save, connection_snapshot
from rostering.models import Guardian, ImportIssue
from sis.relationships import UNKNOWN_CODE_FIX
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
NO_CODE_TABLE = {"numeric_relationships": True, "codes_endpoint": False}
# The sandbox's numeric codes: MO 11, FA 13, GU 16, GM 23.
MAPPING = "11=parent, 13=parent, 16=guardian, 23=relative"


def _warnings(run) -> dict[str, str]:
    """The unknown relationship warnings of a run: contact -> message."""
    return dict(
        ImportIssue.objects.filter(record__run=run, code="unknown_relationship").values_list(
            "sourced_id", "message"
        )
    )


def test_codes_nobody_explains_are_warnings_until_the_manager_maps_them(
    sandbox_sis_factory, manager
):
    sis = sandbox_sis_factory(students=40, seed=3, clean=True, behaviours=NO_CODE_TABLE)
    connection = connect(sis, kind=Connection.Kind.AERIES_API, existing_accounts="update")

    first = pull(connection)
    warnings = _warnings(first)
    guardians = Guardian.objects.all()
    assert guardians.exists() and len(warnings) == guardians.count()
    assert set(guardians.values_list("relationship", flat=True)) == {""}  # never "relative"
    eleven = "Relationship code '11' has no known meaning"
    assert any(message.startswith(eleven) for message in warnings.values())
    issue = ImportIssue.objects.filter(record__run=first, code="unknown_relationship").first()
    assert issue.severity == "warning" and issue.field == "RelationshipToStudentCode"
    assert UNKNOWN_CODE_FIX.format(code="11").split(" (")[0] in issue.fix_hint

    before = connection_snapshot(connection)
    connection.relationship_codes = "11 = Parent\n13=parent; 16=GUARDIAN, 23=relative"
    connection_save(connection=connection, actor=manager, before=before)
    event = AuditEvent.objects.filter(action="update", object_id=str(connection.pk)).get()
    assert event.changes == {"relationship_codes": ["", MAPPING]}

    second = pull(connection)
    assert _warnings(second) == {}
    relationships = set(Guardian.objects.values_list("relationship", flat=True))
    assert relationships == {"parent", "guardian", "relative"}


def test_the_code_table_explains_numeric_codes_without_a_mapping(sandbox_sis_factory):
    behaviours = {"numeric_relationships": True}  # Aeries serves codes/CON/RL
    sis = sandbox_sis_factory(students=40, seed=3, clean=True, behaviours=behaviours)
    run = pull(connect(sis, kind=Connection.Kind.AERIES_API))
    assert _warnings(run) == {}
    assert "" not in set(Guardian.objects.values_list("relationship", flat=True))


def test_a_mapping_that_is_not_code_equals_relationship_is_refused_by_the_service(
    sandbox_sis_factory,
):
    sis = sandbox_sis_factory(students=40, seed=3, clean=True)
    connection = connect(sis, kind=Connection.Kind.AERIES_API)
    before = connection_snapshot(connection)
    connection.relationship_codes = "11=parent, 23=grandma, 99"

    with pytest.raises(ValidationError) as caught:
        connection_save(connection=connection, actor=None, before=before)

    assert "23=grandma, 99" in caught.value.message_dict["relationship_codes"][0]
    assert Connection.objects.get(pk=connection.pk).relationship_codes == ""
    assert not AuditEvent.objects.filter(object_id=str(connection.pk), action="update").exists()
