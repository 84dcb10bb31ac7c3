"""Response headers that depend on who is asking."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers

# Staff pages (config/urls.py): the workflow, the login page and the system admin.
STAFF_PREFIXES = ("/staff/", "/admin/")


class StaffNoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every staff page and on anything answered to a
    signed-in user: a shared proxy or the browser's disk cache of a shared PC in a city hall
    must never keep a page of requests, names or decisions (issue 8 §6).

    Citizens carry no session cookie, so their requests never load a session here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(STAFF_PREFIXES) or self._signed_in(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _signed_in(request) -> bool:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
