"""The `guid_ids` behaviour: every user's sourcedId is a GUID.

Some OneRoster servers and rostering hubs identify users by GUIDs, and a district that
moves its roster to one (or changes the OneRoster user id setting) changes every
sourcedId at once, students and staff alike, between two imports. Each GUID is derived
from the district's seed and the user's Aeries id, so a run repeats; userIds keep the
Aeries ids (StudentNumber and StateID, StaffID), by which a product can still tell who
is who. The native API is unchanged (it has no sourcedIds).
"""

import uuid

from sandbox.model import District, Enrollment, Person

NAMESPACE = uuid.UUID("6f1c3e52-7d0a-4b8e-9a55-2f4f3b1f0c11")


class GuidIds:
    """The GUID of each user of one district (same interface as shapes.AeriesIds)."""

    shared: dict[str, str] = {}  # no parent rows are shared between siblings here

    def __init__(self, district: District) -> None:
        self.district = district
        self.seed = district.seed

    def guid(self, kind: str, sourced_id: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.seed}:{kind}:{sourced_id}"))

    def user(self, sourced_id: str) -> str:
        return self.guid("user", sourced_id)

    def user_record(self, person: Person, record: dict, ref) -> dict:
        record = {**record, "sourcedId": self.user(person.sourced_id)}
        record["agents"] = [ref("user", self.user(a["sourcedId"])) for a in record["agents"]]
        return record

    def enrollment_record(self, enrollment: Enrollment, record: dict, ref) -> dict:
        user = self.user(enrollment.user_id)
        return {
            **record,
            "sourcedId": self.guid("enrollment", record["sourcedId"]),
            "user": ref("user", user),
        }
