"""Dates and times as the console writes them everywhere (lists, pages, e-mail): the
weekday, a 24-hour clock, no "p.m." — "Sun Dec 6, 2026, 21:53"."""

DATE_FORMAT = "D M j, Y"
DATETIME_FORMAT = "D M j, Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
