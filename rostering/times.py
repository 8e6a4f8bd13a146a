"""Times as a person reads them: in the district's local time, the zone named once per
page (in the header, templates/admin/base_site.html) and beside a time only when it is
not the page's zone (vendor support's lists span districts)."""

import zoneinfo
from datetime import datetime

from django.utils import formats, timezone


def local_time(
    when: datetime | None, zone: str | None = None, *, fmt: str = "%a %b %-d, %H:%M"
) -> str:
    """`when` in `zone` (the page's zone when None), e.g. "Tue Sep 1, 19:00"."""
    if when is None:
        return "—"
    page_zone = timezone.get_current_timezone_name()
    zone = zone or page_zone
    text = when.astimezone(zoneinfo.ZoneInfo(zone)).strftime(fmt)
    return text if zone == page_zone else f"{text} {zone}"


def age_words(when: datetime | None, now: datetime) -> str:
    """ "3 h ago", "2 days ago"; "never" for None."""
    if when is None:
        return "never"
    seconds = max(int((now - when).total_seconds()), 0)
    if seconds < 3600:
        return f"{max(seconds // 60, 1)} min ago"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def seconds_between(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if start and end else None


def duration_label(seconds: int | None) -> str:
    """ "under a second", "45 s", "2 min 05 s", "1 h 02 min"."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return "under a second"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def when_words(when: datetime | None) -> str:
    """A date and time in the page's zone, as Django's admin shows its own."""
    if when is None:
        return "—"
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")
