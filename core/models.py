from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PublicGeneration(models.Model):
    """The public generation (one row), given a new random value whenever anything citizens
    see changes.

    Public pages are cached under the current generation, so an approval or a closure makes
    every cached page stale at once, in every worker process, whatever the cache backend —
    the bump is in the same transaction as the change itself, and this row is the only
    authority (the cache holds no copy of it that could be left behind). See core/cache.py.
    """

    value = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("公開ページの版")
        verbose_name_plural = _("公開ページの版")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="publicgeneration_one_row")]

    def __str__(self) -> str:
        return str(self.value)


class RateLimitHit(models.Model):
    """One counted action (a citizen's report …) by one client, kept while its limit's window
    lasts (core/ratelimit.py). ``key`` is a keyed hash of the client's address, never the
    address."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("受付回数の記録")
        verbose_name_plural = _("受付回数の記録")
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="ratelimit_count"),
            models.Index(fields=["scope", "at"], name="ratelimit_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M}"
