"""factory-boy factories for the project's models."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from connections.models import Connection
from rostering.models import District, Membership, School


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    district = factory.SubFactory(DistrictFactory)
    role = Membership.Role.MANAGER


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Aeries {n}")
    kind = Connection.Kind.ONEROSTER
    base_url = "https://district.aeries.net/aeries/"
    client_id = "consumer-id-123"
    client_secret = "s3cr3t-consumer-value"


class SisSchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SisSchool"

    connection = factory.SubFactory(ConnectionFactory)
    sourced_id = factory.Sequence(lambda n: str(900 + n))
    name = factory.Sequence(lambda n: f"SIS School {n}")
    school_code = factory.SelfAttribute("sourced_id")
    school_type = "elementary"
    last_seen_at = factory.LazyFunction(timezone.now)


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SyncRun"

    connection = factory.SubFactory(ConnectionFactory)
    district = factory.SelfAttribute("connection.district")
    trigger = "manual"
    status = "completed"


class SchedulePauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SchedulePause"

    connection = factory.SubFactory(ConnectionFactory)
    start_date = datetime.date(2026, 6, 15)
    end_date = datetime.date(2026, 8, 15)
    reason = "Summer break"
