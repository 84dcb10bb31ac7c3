"""Staff pages of personnel (namespace staff_personnel, /staff/personnel/)."""

from django.urls import path

from personnel import views

app_name = "staff_personnel"

urlpatterns = [
    path("", views.changes, name="changes"),
    path("import/", views.import_staff, name="import"),
    path("import/apply/", views.import_apply, name="import_apply"),
    path("import/template.csv", views.import_template, name="import_template"),
]
