from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "公式SNSアカウント台帳 管理"
admin.site.site_title = "公式SNSアカウント台帳"
admin.site.index_title = "システム管理"

urlpatterns = [
    # Citizens: no login (each view is marked @login_not_required).
    path("", include("accounts.urls.public")),
    path("api/", include("api.urls")),
    # Staff: login required (LoginRequiredMiddleware).
    path("staff/", include("approvals.urls")),
    path("staff/accounts/", include("accounts.urls.staff")),
    path("staff/impersonation/", include("impersonation.urls")),
    # System administrators: configuration.
    path("admin/", admin.site.urls),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
