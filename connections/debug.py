"""The error-page filter: secrets masked even with DEBUG on.

Django's SafeExceptionReporterFilter masks what sensitive_variables and
sensitive_post_parameters name only when DEBUG is off. A district's Consumer Secret or
certificate must not reach anyone's screen, a developer's with DEBUG on included, so
this filter is always active (settings.DEFAULT_EXCEPTION_REPORTER_FILTER).

sensitive_variables covers the functions we mark; a secret also travels through frames
nobody can mark — the SIS client's bearer token, the token answer, requests' and
urllib3's headers — so every frame's variables named like a secret (secret, token,
cert…, password, auth…, cookie), and such keys of the mappings a frame holds
(`Authorization`, `access_token`, `AERIES-CERT`), are masked too, and so are POST fields
named like a secret on a view that forgot sensitive_post_parameters.
"""

import re
from collections.abc import Mapping

from django.views.debug import SafeExceptionReporterFilter

SECRET_NAME = re.compile(r"secret|token|cert|passw|auth|cookie", re.IGNORECASE)
_DEPTH = 3  # nested mappings looked into


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        return True

    def get_post_parameters(self, request):
        """The POST data, sensitive_post_parameters applied, and every field named like a
        secret masked as well (a view that takes a secret and forgot the decorator)."""
        post = super().get_post_parameters(request)
        named = [key for key in post if SECRET_NAME.search(key) and post[key]]
        if not named:
            return post
        cleansed = post.copy()
        for key in named:
            cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.secret_cleanse(name, value)) for name, value in variables]

    def secret_cleanse(self, name, value, depth: int = 0):
        """The value, or the mask when its name says it is a secret; a mapping with its
        secret-named keys masked (a copy; the value itself when none is)."""
        if isinstance(name, str) and value and SECRET_NAME.search(name):
            return self.cleansed_substitute
        if depth < _DEPTH and isinstance(value, Mapping):
            try:
                items = list(value.items())
            except Exception:  # a mapping that cannot even be listed is shown as it is
                return value
            cleansed = {key: self.secret_cleanse(key, item, depth + 1) for key, item in items}
            if any(cleansed[key] is not item for key, item in items):
                return cleansed
        return value
