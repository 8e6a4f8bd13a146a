"""The console's admin site: a home page that starts from sync health, a menu in the
order of the path a district manager takes, internal pages kept out of managers' and
reviewers' menus, and every page in the district's local time.

The project uses Django's default `admin.site` (config/urls.py); these are its settings
and three of its methods, set here once when the admin is loaded.
"""

import functools
import types

from django.conf import settings
from django.contrib import admin
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from rostering.access import request_district_access
from rostering.health import connections_health, districts_health
from rostering.models import District
from rostering.times import age_words

# (section, [(model label, the name the menu shows) …]) in the order of the path.
MENU = [
    (
        "Connections",
        [("connections.connection", "Connections"), ("rostering.sisschool", "SIS schools")],
    ),
    (
        "Import results",
        [
            ("rostering.importrecord", "Import results"),
            ("rostering.importissue", "Descriptions"),
            ("rostering.syncrun", "Import runs"),
            ("rostering.rosterchange", "Row changes"),
            ("rostering.schedulepause", "Pause periods"),
        ],
    ),
    (
        "People and classes",
        [
            ("rostering.person", "People"),
            ("rostering.guardian", "Parent contacts"),
            ("rostering.section", "Classes"),
            ("rostering.enrollment", "Enrollments"),
            ("rostering.course", "Courses"),
            ("rostering.academicsession", "Academic sessions"),
        ],
    ),
    ("Audit trail", [("audit.auditevent", "Audit trail")]),
    (
        "Districts",
        [
            ("rostering.district", "Districts"),
            ("rostering.yeararchive", "End-of-year archives"),
            ("rostering.school", "Schools"),
            ("rostering.membership", "Memberships"),
        ],
    ),
]
# Reached from other pages; only vendor support sees them in the menu.
INTERNAL = {
    "rostering.sisschool", "rostering.importissue", "rostering.syncrun", "rostering.rosterchange",
    "rostering.schedulepause", "rostering.academicsession", "rostering.school",
    "rostering.membership",
}  # fmt: skip


def request_time_zone(request) -> str:
    """The zone of the user's districts when they share one; else the server's (UTC)."""
    zones = request_district_access(request).zones
    if zones is None:  # vendor support: every district
        zones = District.objects.order_by().values_list("timezone", flat=True).distinct()[:2]
    zones = set(zones)
    return zones.pop() if len(zones) == 1 else settings.TIME_ZONE


def in_local_time(view):
    """Runs and renders an admin view in the user's district time zone."""

    @functools.wraps(view)
    def zoned(request, *args, **kwargs):
        zone = request_time_zone(request) if request.user.is_authenticated else settings.TIME_ZONE
        with timezone.override(zone):
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
        return response

    return zoned


def _entries(app_list: list[dict]) -> dict[str, tuple[dict, dict]]:
    found = {}
    for app in app_list:
        for model in app["models"]:
            found[model["model"]._meta.label_lower] = (app, model)
    return found


def ordered_app_list(site, request, app_label=None) -> list[dict]:
    """The menu: sections in the order of the path; internal pages for support only."""
    if app_label is not None:  # an app's own page: the same pages, no internal ones
        apps = admin.AdminSite.get_app_list(site, request, app_label)
        if not request.user.is_superuser:
            for app in apps:
                app["models"] = [
                    m for m in app["models"] if m["model"]._meta.label_lower not in INTERNAL
                ]
        return apps
    app_list = list(site._build_app_dict(request).values())
    entries, sections = _entries(app_list), []
    placed = {label for _title, models in MENU for label, _name in models}
    for title, models in MENU:
        shown = [
            (entries[label][0], {**entries[label][1], "name": name})
            for label, name in models
            if label in entries and (label not in INTERNAL or request.user.is_superuser)
        ]
        if shown:
            first_app = shown[0][0]
            sections.append({**first_app, "name": title, "app_url": shown[0][1]["admin_url"],
                             "models": [model for _app, model in shown]})  # fmt: skip
    rest = [
        {**app, "models": [m for m in app["models"] if m["model"]._meta.label_lower not in placed]}
        for app in app_list
    ]
    return sections + [app for app in rest if app["models"] and request.user.is_superuser]


def index_with_health(site, request, extra_context=None):
    """The home page: the manager's connections, or support's table of districts."""
    access = request_district_access(request)
    context = {"health_districts": None, "health_connections": None, "now": timezone.now()}
    if access.readable is None:
        context["health_districts"] = districts_health()
        for health in context["health_districts"]:  # "3 h ago", "1 min ago", "never"
            health.success_age = age_words(health.last_success_at, context["now"])
    elif access.readable:
        context["health_connections"] = connections_health(district_ids=access.readable)
        context["can_pull"] = access.managed
    return admin.AdminSite.index(site, request, {**context, **(extra_context or {})})


def site_customise(site: admin.AdminSite) -> None:
    site.site_header = "Autoroster"
    site.site_title = "Autoroster"
    site.index_title = "Sync health"
    site.index_template = "admin/autoroster_index.html"
    original = site.admin_view
    site.admin_view = lambda view, cacheable=False: in_local_time(original(view, cacheable))
    site.get_app_list = types.MethodType(ordered_app_list, site)
    site.index = types.MethodType(index_with_health, site)


site_customise(admin.site)
