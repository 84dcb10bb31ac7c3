from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for a plausible municipality and ``manage.py seed_demo``. Imports every
    domain app and is imported by none (the top layer)."""

    name = "demo"
    verbose_name = _("デモデータ")
