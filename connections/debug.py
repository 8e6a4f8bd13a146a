"""The error-page filter: secrets masked even with DEBUG on.

Django's SafeExceptionReporterFilter masks what sensitive_variables and
sensitive_post_parameters name only when DEBUG is off. A district's Consumer Secret or
certificate must not reach anyone's screen, a developer's with DEBUG on included, so
this filter is always active (settings.DEFAULT_EXCEPTION_REPORTER_FILTER).
"""

from django.views.debug import SafeExceptionReporterFilter


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        return True
