from django.apps import AppConfig


class ImpersonationConfig(AppConfig):
    name = "impersonation"
    verbose_name = "なりすまし対策"
