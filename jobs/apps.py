from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("メールと定期処理")

    def ready(self) -> None:
        # Registers the reminder digest (a daily job) and the delivery task.
        from jobs import digest, tasks  # noqa: F401
