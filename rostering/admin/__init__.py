"""The rostering console: every admin page, registered on import.

Each module registers its own pages; the order below is the order of the path a
district manager takes (connections, import results, people and classes, audit).
"""

from django.contrib import admin

from rostering.admin import (  # noqa: F401  (each registers its admins)
    accounts,
    audit,
    connections,
    districts,
    issues,
    results,
    rollover,
    roster,
    runs,
    schools,
)

admin.site.site_header = "Autoroster"
admin.site.site_title = "Autoroster"
admin.site.index_title = "Rostering console"
