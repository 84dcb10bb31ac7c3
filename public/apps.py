from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """Citizens' pages that span several apps: the list, the account page with its policy,
    the verifier, open data. No login; nothing here names a member of staff."""

    name = "public"
    verbose_name = _("市民向けの公開ページ")

    def ready(self) -> None:
        from core.public_change import public_changed
        from public.tasks import on_public_change

        # After each approval: the open-data files and the hot pages (public/tasks.py).
        public_changed.connect(on_public_change, dispatch_uid="public-refresh-after-change")
