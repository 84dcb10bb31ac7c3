from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "共通"

    def ready(self) -> None:
        # Fail at start-up, not on the first form, when a deployment is misconfigured.
        from core.municipality import get_municipality

        get_municipality()

        from core import signals

        signals.connect()
