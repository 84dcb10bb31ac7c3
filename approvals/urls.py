"""The request pages. Included by ``staff.urls`` into the ``staff`` namespace."""

from django.urls import path

from approvals import record_views, views

urlpatterns = [
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    # Issue 11 §5: the printable record (決裁用) and its PDF.
    path("requests/<int:pk>/print/", record_views.request_print, name="request_print"),
    path("requests/<int:pk>/record.pdf", record_views.request_pdf, name="request_pdf"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    # Issue 11 §7: the author deletes a draft never submitted (POST, asked first).
    path("requests/<int:pk>/delete/", views.request_delete, name="request_delete"),
    path(
        "requests/<int:pk>/resolve-conflict/",
        views.request_resolve_conflict,
        name="request_resolve_conflict",
    ),
]
