from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views
from core.cache import cached_public


def public(view):
    return login_not_required(cached_public(view))


urlpatterns = [
    path("v1/accounts/", public(views.AccountList.as_view()), name="api-accounts"),
    path("v1/accounts/<int:pk>/", public(views.AccountDetail.as_view()), name="api-account"),
    path("v1/verify/", public(views.Verify.as_view()), name="api-verify"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "docs/",
        # The split view loads its start-up script from a URL (?script), not inline, so the
        # site's script-src 'self' holds; the page's own <style> block needs inline styles.
        login_not_required(
            csp_update({"style-src": ["'unsafe-inline'"]})(
                SpectacularSwaggerSplitView.as_view(url_name="api-schema")
            )
        ),
        name="api-docs",
    ),
]
