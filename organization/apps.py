from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = _("組織・職員")

    def ready(self) -> None:
        from core.signals import watch_public
        from organization.models import Department

        watch_public(Department)
