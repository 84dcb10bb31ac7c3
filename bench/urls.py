"""The project's URLs plus the benchmark baseline; used only by bench.settings."""

from django.urls import include, path

from bench.trivial import trivial

urlpatterns = [
    path("bench/trivial/", trivial, name="bench-trivial"),
    path("", include("config.urls")),
]
