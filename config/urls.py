from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from core.health import healthz

admin.site.site_header = _("公式SNSアカウント台帳 管理")
admin.site.site_title = _("公式SNSアカウント台帳")
admin.site.index_title = _("システム管理")

urlpatterns = [
    # Citizens: no login (each view is marked @login_not_required).
    path("", include("public.urls")),
    path("api/", include("api.urls")),
    # The load balancer's probe; answered by core.health.HealthCheckMiddleware before anything
    # else (plain http, any Host), this route only if that middleware is taken out.
    path("healthz", healthz, name="healthz"),
    # Staff: login required (LoginRequiredMiddleware); each view declares its rule (core.rules).
    path("staff/", include("staff.urls")),
    path("staff/accounts/", include("staff.account_urls")),
    path("staff/impersonation/", include("impersonation.urls")),
    path("staff/incidents/", include("incidents.urls")),
    path("staff/reviews/", include("reviews.urls")),
    path("staff/personnel/", include("personnel.urls")),
    path("staff/import/", include("onboarding.urls")),
    # System administrators: configuration.
    path("admin/", admin.site.urls),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
