"""Project-wide pytest fixtures."""

import pytest

from rostering.models import Membership
from tests.factories import ConnectionFactory, DistrictFactory, MembershipFactory, UserFactory


@pytest.fixture
def district(db):
    return DistrictFactory(name="Home District")


@pytest.fixture
def other_district(db):
    return DistrictFactory(name="Other District")


@pytest.fixture
def manager(district):
    return MembershipFactory(district=district, role=Membership.Role.MANAGER).user


@pytest.fixture
def reviewer(district):
    return MembershipFactory(district=district, role=Membership.Role.REVIEWER).user


@pytest.fixture
def superuser(db):
    return UserFactory(username="support", is_superuser=True)


@pytest.fixture
def connection(district):
    return ConnectionFactory(district=district, name="Main Aeries")
