"""Staff pages of incidents (namespace staff_incidents)."""

from django.urls import path  # noqa: F401

app_name = "staff_incidents"

urlpatterns: list = []
