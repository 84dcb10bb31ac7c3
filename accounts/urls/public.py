from django.urls import path

from accounts import opendata
from accounts.views import public
from impersonation.views import public as impersonation

app_name = "public"

urlpatterns = [
    path("", public.account_list, name="account_list"),
    path("closed/", public.closed_list, name="closed_list"),
    path("accounts/<int:pk>/", public.account_detail, name="account_detail"),
    path("accounts/<int:pk>/qr.svg", public.account_qr, name="account_qr"),
    path("accounts/<int:pk>/policy/<int:version>/", public.policy_version, name="policy_version"),
    path("verify/", public.verify_page, name="verify"),
    path("impersonations/", public.impersonation_list, name="impersonations"),
    path("report/", impersonation.report, name="report"),
    path("report/thanks/", impersonation.report_thanks, name="report_thanks"),
    path("about/", public.about, name="about"),
    path("accounts.csv", opendata.accounts_csv, name="accounts_csv"),
    path("feed/", opendata.registry_feed, name="feed"),
]
