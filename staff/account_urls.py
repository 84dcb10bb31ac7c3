from django.urls import path

from approvals.models import RequestKind
from staff import accounts

app_name = "staff_accounts"

urlpatterns = [
    path("", accounts.account_list, name="list"),
    # Issue 11 §2: the list as filtered, every page, as a file (accounts.permissions).
    path("export.xlsx", accounts.account_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("export.csv", accounts.account_export, {"fmt": "csv"}, name="export_csv"),
    path("<int:pk>/", accounts.account_detail, name="detail"),
    # Issue 14 §2: the PR division records a handle the account used before.
    path("<int:pk>/former-ids/add/", accounts.former_identifier_add, name="former_identifier"),
    path(
        "<int:pk>/change/",
        accounts.account_request,
        {"kind": RequestKind.CHANGE},
        name="request_change",
    ),
    path(
        "<int:pk>/close/",
        accounts.account_request,
        {"kind": RequestKind.CLOSURE},
        name="request_closure",
    ),
    # R18: a suspended account is listed again through both steps (incidents.permissions).
    path(
        "<int:pk>/resume/",
        accounts.account_request,
        {"kind": RequestKind.RESUMPTION},
        name="request_resumption",
    ),
]
