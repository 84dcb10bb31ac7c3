from django.urls import path

from accounts.views import staff

app_name = "staff_accounts"

urlpatterns = [
    path("", staff.account_list, name="list"),
    path("<int:pk>/", staff.account_detail, name="detail"),
    path("<int:pk>/change/", staff.account_request, {"kind": "change"}, name="request_change"),
    path("<int:pk>/close/", staff.account_request, {"kind": "closure"}, name="request_closure"),
]
