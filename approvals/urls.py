"""The request pages. Included by ``staff.urls`` into the ``staff`` namespace."""

from django.urls import path

from approvals import views

urlpatterns = [
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path(
        "requests/<int:pk>/resolve-conflict/",
        views.request_resolve_conflict,
        name="request_resolve_conflict",
    ),
]
