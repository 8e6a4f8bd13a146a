"""E-mails about an end-of-year archive and its undo, to the district's recipients."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from rostering.models import SyncSettings, YearArchive

logger = logging.getLogger(__name__)

SUBJECT_ARCHIVED = "[Autoroster] School year {label} archived — {district}"
SUBJECT_UNDONE = "[Autoroster] Archive of school year {label} undone — {district}"


def year_archive_recipients(*, archive: YearArchive) -> list[str]:
    """Everyone any connection of the district sends its import results to."""
    recipients: list[str] = []
    for sync_settings in SyncSettings.objects.filter(connection__district=archive.district_id):
        recipients += [a for a in sync_settings.notify_list if a not in recipients]
    return recipients


def year_archive_notify(*, archive: YearArchive, undone: bool) -> int:
    """Sends the summary; a mail server failure is logged, never raised."""
    recipients = year_archive_recipients(archive=archive)
    if not recipients:
        return 0
    subject = (SUBJECT_UNDONE if undone else SUBJECT_ARCHIVED).format(
        label=archive.label, district=archive.district.name
    )
    path = reverse("admin:rostering_district_year_archive", args=[archive.district_id, archive.pk])
    context = {
        "archive": archive,
        "undone": undone,
        "url": settings.SITE_URL.rstrip("/") + path,
        "undo_days": settings.YEAR_ARCHIVE_UNDO_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("autoroster/email/year_archive.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("autoroster/email/year_archive.html", context), "text/html"
    )
    try:
        return message.send()
    except Exception:
        logger.exception("could not e-mail about the %s archive", archive.label)
        return 0
