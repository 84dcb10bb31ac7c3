"""The open-data files, stored once in the database for every app server (issue 12 §5).

The app servers share only PostgreSQL and Redis: a file written by the job queue on one host
is read by the others from here and kept on their own disk (``OPENDATA_ROOT``, public/files.py).
Only the gzip form is stored (the plain form is its decompression), in chunks, so neither
writing nor reading a file ever holds it whole in memory.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OpenDataFile(models.Model):
    """One open-data file (the CSV, the feed or the JSON dump) of one public generation."""

    name = models.CharField(_("ファイル"), max_length=40)  # public.files.FILES
    # The configuration it was written under (municipality, SITE_URL, format version): a
    # deployment with another name never serves a file that shows the old one.
    variant = models.CharField(_("設定"), max_length=32)
    generation = models.PositiveBigIntegerField(_("公開データの版"))  # core.cache.current()
    etag = models.CharField(_("内容のハッシュ"), max_length=64)  # SHA-256 of the plain file
    size = models.PositiveBigIntegerField(_("サイズ"))
    gzip_size = models.PositiveBigIntegerField(_("gzipのサイズ"))
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)

    class Meta:
        verbose_name = _("オープンデータのファイル")
        verbose_name_plural = _("オープンデータのファイル")
        constraints = [
            # Written once per change: two builders of the same file meet here.
            models.UniqueConstraint(
                fields=["name", "variant", "generation"], name="opendatafile_once_per_generation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.generation})"


class OpenDataChunk(models.Model):
    """A piece of a file's gzip form, in order (``index``)."""

    file = models.ForeignKey(OpenDataFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("オープンデータのファイルの断片")
        verbose_name_plural = _("オープンデータのファイルの断片")
        constraints = [
            models.UniqueConstraint(fields=["file", "index"], name="opendatachunk_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.index}"
