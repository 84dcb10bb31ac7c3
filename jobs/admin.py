"""The outbox and the record of daily runs: read-only for the system administrator (ADR 0010,
0014). A mail is retried by the worker, never edited or deleted by hand; the record of what was
sent, and when a job ran, is evidence. The one action: mail given up on (a mail server down for
more than ``GIVE_UP_AFTER``) is sent again once the server is back — its status and when it is
due change, never its recipients or text. (django-tasks-db's own ``DBTaskResult`` admin is
read-only already.)"""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import LargeTableMixin, ViewOnlyAdminMixin
from jobs import outbox
from jobs.models import JobRun, OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "key")
    actions = ["resend"]

    def has_resend_permission(self, request) -> bool:
        user = request.user
        # The system administrators, as jobs.outbox tells them of failed mail.
        return user.is_active and (user.is_superuser or getattr(user, "role", "") == "sysadmin")

    @admin.action(description=_("選択したメールを再送する"), permissions=["resend"])
    def resend(self, request, queryset) -> None:
        count = outbox.resend(queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            gettext("%(count)d通を送信待ちに戻しました。すぐに送ります。") % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                gettext("送信済みの%(skipped)d通は再送しません。") % {"skipped": skipped},
                messages.WARNING,
            )


@admin.register(JobRun)
class JobRunAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "name", "succeeded", "started_at", "finished_at", "summary")
    list_filter = ("succeeded", "name")
    search_fields = ("name", "summary")
    date_hierarchy = "day"
