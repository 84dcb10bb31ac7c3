from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = "組織・職員"
