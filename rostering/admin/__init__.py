"""The rostering console: every admin page, registered on import.

Each module registers its own pages; `site` orders the menu by the path a district
manager takes (connections, import results, people and classes, audit trail).
"""

from rostering.admin import (  # noqa: F401  (each registers its admins)
    accounts,
    audit,
    changes,
    connection_runs,
    connections,
    districts,
    issues,
    results,
    rollover,
    roster,
    runs,
    schools,
    site,
)
