from django.urls import path

from impersonation.views import public as impersonation
from public import files, views

app_name = "public"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("closed/", views.closed_list, name="closed_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/qr.svg", views.account_qr, name="account_qr"),
    path("accounts/<int:pk>/policy/<int:version>/", views.policy_version, name="policy_version"),
    path("verify/", views.verify_page, name="verify"),
    path("impersonations/", views.impersonation_list, name="impersonations"),
    path("report/", impersonation.report, name="report"),
    path("report/thanks/", impersonation.report_thanks, name="report_thanks"),
    path("about/", views.about, name="about"),
    # Open data, written once per change and served as files (public/files.py).
    path("accounts.csv", files.accounts_csv, name="accounts_csv"),
    path("accounts.json", files.registry_json, name="accounts_json"),
    path("feed/", files.registry_feed, name="feed"),
]
