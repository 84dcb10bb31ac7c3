"""Staff pages of incidents (namespace staff_incidents), mounted at /staff/incidents/."""

from django.urls import path

from incidents import views

app_name = "staff_incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/reopen/", views.incident_reopen, name="reopen"),
    path("accounts/<int:pk>/record/", views.incident_record, name="record"),
    path("accounts/<int:pk>/suspend/", views.account_suspend, name="suspend"),
    path("suspend/", views.suspend_find, name="find"),
]
