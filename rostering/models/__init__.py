from rostering.models.audit import AuditEvent
from rostering.models.district import District, Membership, School

__all__ = ["AuditEvent", "District", "Membership", "School"]
