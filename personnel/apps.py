from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("人事異動")

    def ready(self) -> None:
        from personnel import selectors, signals

        signals.connect()
        selectors.register_reminders()
