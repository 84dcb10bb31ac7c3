from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "公式SNSアカウント台帳 管理"
admin.site.site_title = "公式SNSアカウント台帳"
admin.site.index_title = "システム管理"

urlpatterns = [
    # Until the staff and public pages exist (issues 3 and 4) the admin is the only UI.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
