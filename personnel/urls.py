"""Staff pages of personnel (namespace staff_personnel)."""

from django.urls import path  # noqa: F401

app_name = "staff_personnel"

urlpatterns: list = []
