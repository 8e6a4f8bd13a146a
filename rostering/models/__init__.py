from rostering.models.changes import RosterChange
from rostering.models.classes import AcademicSession, Course, Enrollment, Section
from rostering.models.district import District, Membership, School
from rostering.models.merges import PersonMerge
from rostering.models.people import (
    Guardian,
    Person,
    PersonAlias,
    PersonRole,
    PersonSchool,
    RosterStatus,
)
from rostering.models.pins import FieldPin
from rostering.models.rollover import YearArchive
from rostering.models.rules import NameFormat, SyncRules
from rostering.models.scheduling import SchedulePause
from rostering.models.schools import SisSchool
from rostering.models.sync import (
    HeldChange,
    ImportIssue,
    ImportRecord,
    RunStatus,
    SyncRun,
    SyncSettings,
)
from rostering.models.years import ConnectionYear

__all__ = [
    "AcademicSession",
    "ConnectionYear",
    "Course",
    "District",
    "Enrollment",
    "FieldPin",
    "Guardian",
    "HeldChange",
    "ImportIssue",
    "ImportRecord",
    "Membership",
    "NameFormat",
    "Person",
    "PersonAlias",
    "PersonMerge",
    "PersonRole",
    "PersonSchool",
    "RosterChange",
    "RosterStatus",
    "RunStatus",
    "SchedulePause",
    "School",
    "Section",
    "SisSchool",
    "SyncRules",
    "SyncRun",
    "SyncSettings",
    "YearArchive",
]
