"""The outbox and the record of daily runs: read-only for the system administrator (ADR 0010,
0014). A mail is retried by the worker, never edited or deleted by hand; the record of what was
sent, and when a job ran, is evidence. (django-tasks-db's own ``DBTaskResult`` admin is
read-only already.)"""

from django.contrib import admin

from core.admin import ViewOnlyAdminMixin
from jobs.models import JobRun, OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "key")
    date_hierarchy = "created_at"


@admin.register(JobRun)
class JobRunAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "name", "succeeded", "started_at", "finished_at", "summary")
    list_filter = ("succeeded", "name")
    search_fields = ("name", "summary")
    date_hierarchy = "day"
