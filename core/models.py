from django.db import models
from django.db.models import Q


class PublicGeneration(models.Model):
    """A counter bumped whenever anything citizens see changes (one row).

    Public pages are cached under the current generation, so an approval or a closure makes
    every cached page stale at once, in every worker process, whatever the cache backend —
    the bump is in the same transaction as the change itself. See core/cache.py.
    """

    value = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = "公開ページの版"
        verbose_name_plural = "公開ページの版"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="publicgeneration_one_row")]

    def __str__(self) -> str:
        return str(self.value)
