from rostering.models.audit import AuditEvent
from rostering.models.district import District, Membership, School
from rostering.models.schools import SisSchool

__all__ = ["AuditEvent", "District", "Membership", "School", "SisSchool"]
