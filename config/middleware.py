"""Request hygiene before any view runs."""

from django.http import HttpResponseBadRequest

NUL_IN_QUERY = "The address contains a NUL character, which no filter or search can hold."


class QueryStringHygieneMiddleware:
    """Refuses a NUL character anywhere in the query string with 400.

    No value can hold one (PostgreSQL text cannot), and a list filter or search that
    passes it to the database would answer 500; refusing it here covers every list,
    search and page at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(NUL_IN_QUERY, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
