from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("見直しと催促")

    def ready(self) -> None:
        # The reminder sources of R12, R10, R7 and waiting requests (jobs.reminders).
        from reviews.reminders import register_sources

        register_sources()
        # The daily handle check (issue 14 §3), a daily job (jobs.schedule): only the job
        # runner calls it, never a page.
        from reviews import handles  # noqa: F401
