"""The demo's story (rostering/demo.py): once its first import is in, a new user finds a
pinned first name and three relinks waiting for approval."""

import pytest

from rostering.demo import DEMO_PINNED_NAME, demo_connection_seed, demo_seed, demo_story_play
from rostering.models import FieldPin, HeldChange, Person
from rostering.sync.held import held_changes_approve
from sandbox.testing import sandbox_sis_factory  # noqa: F401 (fixture)
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


def test_the_demo_shows_a_pinned_field_and_relinks_waiting(sandbox_sis_factory):  # noqa: F811
    sis = sandbox_sis_factory(students=120, seed=1)
    seed = demo_seed()
    connection, _ = demo_connection_seed(
        district=seed.district, base_url=sis.base_url, client_id=sis.client_id,
        secret=sis.client_secret,
    )  # fmt: skip
    assert demo_story_play(connection=connection, renumber=sis.renumber, wait=0) is None
    pull(connection)  # the demo's first import (a worker's, in the demo)

    story = demo_story_play(connection=connection, renumber=lambda n: sis.renumber(n=n), wait=5)
    assert story is not None and len(story.renumbered) == 3
    held = HeldChange.objects.filter(record__run=story.run, kind=HeldChange.Kind.RELINK)
    assert sorted(held.values_list("sourced_id", flat=True)) == sorted(story.renumbered.values())
    pin = FieldPin.objects.get()
    assert pin.pinned_by_label == "manager" and pin.value == DEMO_PINNED_NAME
    assert Person.objects.get(pk=story.person.pk).given_name == DEMO_PINNED_NAME
    assert demo_story_play(connection=connection, renumber=sis.renumber, wait=0) is None  # once

    held_changes_approve(record=story.run.records.get(kind="students"), actor=None)
    for old, new in story.renumbered.items():
        assert Person.objects.filter(sourced_id=new, aliases__sourced_id=old).exists()
