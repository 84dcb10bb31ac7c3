"""The open-data files (CSV, Atom feed, full JSON dump), written once per public generation
and served like static files (issue 12 §5).

Where a file lives, with several app servers on different hosts that share only PostgreSQL
and Redis:

- **Written once per change.** After each approval the job queue runs ``publish(generation)``
  (public/tasks.py): each file is written, streaming, to a temporary file and its gzip form
  beside it, then the gzip form is stored in the database (``OpenDataFile`` + chunks).
- **Never stale.** Every download reads the current generation (core/cache.py) together with
  that generation's file row, in one query. A request that finds no row (the worker has not
  got there yet) builds the file itself — once: the builders of one file take a lock
  (a PostgreSQL advisory lock, shared by every host; a file lock on SQLite) and the others
  wait for it, a bounded time, then serve what it stored. Never the previous generation's
  file: a closed account does not stay "official" in the CSV for a moment.
- **Served from local disk.** Each app server keeps the files it serves in ``OPENDATA_ROOT``,
  named by their content hash, copied out of the database the first time (under a file lock,
  so one process of the host writes it). A download is then one query and an open file
  handed to the server (``FileResponse``: sendfile), with Content-Length, a strong ETag,
  ``If-None-Match`` → 304 and the precompressed gzip form — about what WhiteNoise costs.
- **Memory stays flat.** Rows are read in chunks and written as they come; the database holds
  the gzip form in pieces of ``CHUNK_BYTES``.
- **Old generations go.** The newest ``KEEP`` files of each kind stay in the database and on
  each disk; the rest are deleted when a new one arrives.

The CSV with a filter (``?service=x`` …) is not one of the files: it is written per request,
to a temporary file (memory stays flat there too).
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import logging
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, connection, transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_safe

from accounts import selectors
from core.cache import fingerprint
from core.models import PublicGeneration
from public import opendata
from public.models import OpenDataChunk, OpenDataFile

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20  # a piece of a stored gzip form: the most a read or write holds
KEEP = 3  # files of each kind kept (database and disk); older generations are deleted
# On disk, a file no longer among the newest is left this long for a download still under way
# on another process (an open file survives its deletion anyway).
GRACE_SECONDS = 600
# A file this small (the feed, always) is read and sent in one piece, which costs less than
# a file wrapper.
SMALL_FILE = 256 * 1024
# A change to what a file says (a column, the JSON shape) changes this, so no app server
# serves a file written by the code before it.
FILES_VERSION = f"1.{opendata.FORMAT_VERSION}"


@dataclass(frozen=True)
class Spec:
    name: str  # the stored name, and what the file is called on disk (with its hash)
    content_type: str
    write: Callable[[opendata.Text], None]
    disposition: str = ""


CSV = Spec(
    "accounts.csv",
    "text/csv; charset=utf-8",
    lambda out: opendata.write_csv(out, opendata.csv_accounts()),
    'attachment; filename="official-accounts.csv"',
)
FEED = Spec("feed.atom", "application/atom+xml; charset=utf-8", opendata.write_feed)
JSON = Spec("accounts.json", "application/json", opendata.write_registry_json)
FILES = (CSV, FEED, JSON)


class Busy(Exception):
    """The file is being written by someone else for longer than a request may wait."""


@dataclass(frozen=True)
class Stored:
    """What a download needs to know of a stored file (one row of ``OpenDataFile``)."""

    pk: int
    etag: str
    size: int
    gzip_size: int
    created_at: datetime


# --- Publishing -------------------------------------------------------------------------


def publish(generation: int) -> None:
    """Write every open-data file for ``generation`` (called by public.tasks.refresh_public).
    A file already written for it (by a request that came first) is left as it is; a newer
    change makes the rest pointless, and its own task writes them."""
    for spec in FILES:
        if _ensure(spec, generation, worker=True) is None:
            return


def variant() -> str:
    """The configuration a file is written under (the municipality's name is in the feed and
    the JSON dump, SITE_URL in every link)."""
    text = f"{fingerprint()}|{settings.SITE_URL}|{FILES_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ensure(spec: Spec, generation: int, *, worker: bool = False) -> Stored | None:
    """The stored file of ``generation``, written now if nobody has yet.

    If the data has moved on meanwhile, a request writes and returns the newer generation's
    file (just as current for the one who asked); the worker writes nothing and returns None
    (the newer change has a task of its own).
    """
    key = variant()
    with _build_lock(f"{spec.name}:{key}:{generation}"):
        found = _row(spec.name, key, generation)
        if found is not None:
            return found
        return _build(spec, key, generation, worker=worker)


def _build(spec: Spec, key: str, generation: int, *, worker: bool) -> Stored | None:
    root = _root()
    started = time.monotonic()
    with _Output(root) as out:
        with _snapshot():
            now = _current_generation()
            if now != generation and worker:
                return None
            # Japanese whatever the language of whoever came first.
            with override(settings.LANGUAGE_CODE):
                spec.write(out)
        out.finish()
        stored = _store(spec, key, now, out)
        _place(spec, stored, out.raw_path, out.gzip_path)
    logger.info(
        "open data %s written for generation %s: %s bytes (gzip %s) in %.1f s",
        spec.name,
        now,
        stored.size,
        stored.gzip_size,
        time.monotonic() - started,
    )
    _clean_database(spec)
    _clean_disk(spec)
    return stored


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the data for a file written in several queries (the JSON dump
    reads accounts and their policies chunk by chunk while approvals go on)."""
    outermost = not connection.in_atomic_block
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions IMMEDIATE (config/settings/base.py), which would hold
        # the write lock — every staff save and citizen report — for the whole file. A
        # deferred read transaction gets a snapshot in WAL mode and blocks no writer.
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN DEFERRED")
                try:
                    yield
                finally:
                    cursor.execute("COMMIT")
            return
        yield
        return
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _current_generation() -> int:
    row = PublicGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return row or 0


class _Output(io.TextIOBase):
    """Where a writer's text goes: the plain file, its gzip form and its hash, at once."""

    FLUSH_AT = 1 << 16

    def __init__(self, root: Path) -> None:
        super().__init__()
        raw_fd, raw_name = tempfile.mkstemp(dir=root, prefix=".tmp-")
        gz_fd, gz_name = tempfile.mkstemp(dir=root, prefix=".tmp-")
        self.raw_path, self.gzip_path = Path(raw_name), Path(gz_name)
        self._raw = os.fdopen(raw_fd, "wb")
        self._gz_file = os.fdopen(gz_fd, "wb")
        # mtime=0: the same content gives the same bytes, whoever writes it. Level 6: the
        # registry's repetitive text compresses as well as at 9 (measured), in less time.
        self._gz = gzip.GzipFile(fileobj=self._gz_file, mode="wb", compresslevel=6, mtime=0)
        self._hash = hashlib.sha256()
        self._pending: list[str] = []
        self._pending_chars = 0
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending.append(text)
        self._pending_chars += len(text)
        if self._pending_chars >= self.FLUSH_AT:
            self._drain()
        return len(text)

    def _drain(self) -> None:
        data = "".join(self._pending).encode("utf-8")
        self._pending, self._pending_chars = [], 0
        self._raw.write(data)
        self._gz.write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> None:
        self._drain()
        self._gz.close()
        self._raw.close()
        self._gz_file.close()

    @property
    def etag(self) -> str:
        return self._hash.hexdigest()

    def __exit__(self, *exc: object) -> None:
        for handle in (self._gz, self._raw, self._gz_file):
            with contextlib.suppress(Exception):
                handle.close()
        for path in (self.raw_path, self.gzip_path):
            path.unlink(missing_ok=True)  # placed under another name, or abandoned


def _store(spec: Spec, key: str, generation: int, out: _Output) -> Stored:
    """Save the gzip form in the database. If another host stored the same file meanwhile
    (a lock on SQLite is one host's), theirs is kept."""
    try:
        with transaction.atomic(), out.gzip_path.open("rb") as gz:
            row = OpenDataFile.objects.create(
                name=spec.name,
                variant=key,
                generation=generation,
                etag=out.etag,
                size=out.size,
                gzip_size=out.gzip_path.stat().st_size,
            )
            for index, data in enumerate(iter(lambda: gz.read(CHUNK_BYTES), b"")):
                OpenDataChunk.objects.create(file=row, index=index, data=data)
    except IntegrityError:
        found = _row(spec.name, key, generation)
        if found is None:
            raise
        return found
    return _stored(row.pk, row.etag, row.size, row.gzip_size, row.created_at)


def _row(name: str, key: str, generation: int) -> Stored | None:
    row = (
        OpenDataFile.objects.filter(name=name, variant=key, generation=generation)
        .values_list("pk", "etag", "size", "gzip_size", "created_at")
        .first()
    )
    return _stored(*row) if row else None


def _stored(pk: int, etag: str, size: int, gzip_size: int, created_at: Any) -> Stored:
    if isinstance(created_at, str):  # SQLite through the raw lookup below
        created_at = parse_datetime(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return Stored(pk, etag, size, gzip_size, created_at)


def _clean_database(spec: Spec) -> None:
    # Per variant: hosts or deploys with another configuration keep their own newest files.
    old = OpenDataFile.objects.filter(name=spec.name, variant=variant()).order_by(
        "-created_at", "-pk"
    )[KEEP:]
    OpenDataFile.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()


# --- Locks --------------------------------------------------------------------------------


@contextlib.contextmanager
def _build_lock(name: str) -> Iterator[None]:
    """One builder of a file at a time, on every host (PostgreSQL) or on this one (SQLite,
    which is one host's database anyway)."""
    if connection.vendor != "postgresql":
        with _file_lock(_root() / ".build.lock"):
            yield
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    deadline = time.monotonic() + settings.OPENDATA_BUILD_WAIT
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                raise Busy(name)
            time.sleep(0.05)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    deadline = time.monotonic() + settings.OPENDATA_BUILD_WAIT
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy(str(path)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # and with it the lock


# --- This host's copies ----------------------------------------------------------------------


def _root() -> Path:
    root = Path(settings.OPENDATA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _local(spec: Spec, etag: str, *, compressed: bool) -> Path:
    stem, dot, ext = spec.name.rpartition(".")
    return _root() / f"{stem}-{etag[:32]}{dot}{ext}{'.gz' if compressed else ''}"


def _place(spec: Spec, stored: Stored, raw: Path, gz: Path) -> None:
    """Move finished files to their content-hash names (gzip first: the plain file is what
    says the pair is complete). Same content, same name: nothing is ever overwritten with
    something else."""
    for path in (gz, raw):
        path.chmod(0o644)  # public data; a temporary file is made 0600
    os.replace(gz, _local(spec, stored.etag, compressed=True))
    os.replace(raw, _local(spec, stored.etag, compressed=False))


def _materialise(spec: Spec, stored: Stored) -> None:
    """Copy a stored file out of the database onto this host's disk, once per host."""
    plain = _local(spec, stored.etag, compressed=False)
    with _file_lock(_root() / f".copy-{spec.name}.lock"):
        if plain.exists() and _local(spec, stored.etag, compressed=True).exists():
            return  # another process of this host did it while we waited
        with _Copy(_root()) as copy:
            chunks = (
                OpenDataChunk.objects.filter(file_id=stored.pk)
                .order_by("index")
                .values_list("data", flat=True)
            )
            for data in chunks.iterator(chunk_size=1):
                copy.write(bytes(data))
            copy.finish()
            if copy.etag != stored.etag:  # deleted meanwhile (a newer generation): ask again
                raise FileNotFoundError(plain)
            _place(spec, stored, copy.raw_path, copy.gzip_path)
    _clean_disk(spec)


class _Copy:
    """The gzip form as read from the database, and the plain file decompressed from it."""

    def __init__(self, root: Path) -> None:
        raw_fd, raw_name = tempfile.mkstemp(dir=root, prefix=".tmp-")
        gz_fd, gz_name = tempfile.mkstemp(dir=root, prefix=".tmp-")
        self.raw_path, self.gzip_path = Path(raw_name), Path(gz_name)
        self._raw: IO[bytes] = os.fdopen(raw_fd, "wb")
        self._gz: IO[bytes] = os.fdopen(gz_fd, "wb")
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the gzip container
        self._hash = hashlib.sha256()

    def __enter__(self) -> _Copy:
        return self

    def write(self, data: bytes) -> None:
        self._gz.write(data)
        # At most CHUNK_BYTES of plain text at a time, however well a piece compresses.
        plain = self._inflate.decompress(data, CHUNK_BYTES)
        while plain:
            self._raw.write(plain)
            self._hash.update(plain)
            plain = self._inflate.decompress(self._inflate.unconsumed_tail, CHUNK_BYTES)

    def finish(self) -> None:
        tail = self._inflate.flush()
        self._raw.write(tail)
        self._hash.update(tail)
        self._raw.close()
        self._gz.close()

    @property
    def etag(self) -> str:
        return self._hash.hexdigest()

    def __exit__(self, *exc: object) -> None:
        self._raw.close()
        self._gz.close()
        self.raw_path.unlink(missing_ok=True)
        self.gzip_path.unlink(missing_ok=True)


def _clean_disk(spec: Spec) -> None:
    """Keep this host's newest ``KEEP`` copies of the file, and any younger than the grace."""
    stem, _dot, ext = spec.name.rpartition(".")
    copies = []
    for path in _root().glob(f"{stem}-*.{ext}"):
        with contextlib.suppress(FileNotFoundError):
            copies.append((path.stat().st_mtime, path))
    copies.sort(reverse=True)
    now = time.time()
    for mtime, path in copies[KEEP:]:
        if now - mtime > GRACE_SECONDS:
            for stale in (path, path.with_name(path.name + ".gz")):
                stale.unlink(missing_ok=True)


# --- Serving ------------------------------------------------------------------------------

# The current generation and its file, in one round trip: the cost of a download besides
# sending it. (The generation is read as core.cache.current() reads it: 0 with no row yet.)
_GENERATION_TABLE = PublicGeneration._meta.db_table  # the models' own names, no user input
_FILE_TABLE = OpenDataFile._meta.db_table
LOOKUP_SQL = f"""
SELECT g.value, f.id, f.etag, f.size, f.gzip_size, f.created_at
FROM (SELECT COALESCE((SELECT value FROM {_GENERATION_TABLE} WHERE id = 1), 0) AS value) AS g
LEFT JOIN {_FILE_TABLE} AS f ON f.generation = g.value AND f.name = %s AND f.variant = %s
"""  # noqa: S608


def _lookup(spec: Spec) -> tuple[int, Stored | None]:
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP_SQL, [spec.name, variant()])
        generation, pk, *rest = cursor.fetchone()
    return generation, (_stored(pk, *rest) if pk is not None else None)


def accepts_gzip(header: str) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (RFC 9110 §12.5.3): named with q > 0, or
    not named and ``*`` with q > 0. ``gzip;q=0`` refuses it; a malformed q counts as 0."""
    named: dict[str, float] = {}
    for part in header.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if coding:
            named[coding] = quality if 0 <= quality <= 1 else 0.0
    for coding in ("gzip", "x-gzip"):
        if coding in named:
            return named[coding] > 0
    return named.get("*", 0) > 0


def serve(request: HttpRequest, spec: Spec) -> HttpResponseBase:
    """The current generation's file, as a static file server would send it."""
    compressed = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    try:
        for _attempt in range(3):
            generation, stored = _lookup(spec)
            stored = stored or _ensure(spec, generation)
            if stored is None:  # never: a request's _ensure always returns a file
                continue
            response = _respond(request, spec, stored, compressed=compressed)
            if response is not None:
                return response
            # Not on this host yet. If it was deleted meanwhile (a newer generation came),
            # the next round asks for that one.
            with contextlib.suppress(FileNotFoundError):
                _materialise(spec, stored)
    except Busy:
        logger.warning("open data %s not ready in time", spec.name, exc_info=True)
    response = HttpResponse(
        _("ただいまファイルを作成しています。しばらくしてからもう一度お試しください。"),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "10"
    return response


def _respond(
    request: HttpRequest, spec: Spec, stored: Stored, *, compressed: bool
) -> HttpResponseBase | None:
    """The response for the file on this host's disk; None when it is not there."""
    path = _local(spec, stored.etag, compressed=compressed)
    # A strong ETag per representation: the gzip bytes are not the plain file's bytes.
    etag = f'"{stored.etag[:32]}{"-gzip" if compressed else ""}"'
    headers = HttpResponse()
    headers["ETag"] = etag
    headers["Last-Modified"] = http_date(stored.created_at.timestamp())
    # Any cache may keep it, but must ask each time (a 304 is cheap): a change is seen at once.
    headers["Cache-Control"] = "public, no-cache"
    headers["Vary"] = "Accept-Encoding"
    # The ETag alone decides (the content's hash): by If-Modified-Since, a file written in the
    # same second as the one before, or on a host whose clock is behind, would be "not
    # modified" and a client would keep a CSV that still lists a closed account.
    not_modified = get_conditional_response(request, etag=etag, response=headers)
    if not_modified is not headers:
        return not_modified
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    size = stored.gzip_size if compressed else stored.size
    response: HttpResponseBase
    if request.method == "HEAD":
        handle.close()
        response = HttpResponse(content_type=spec.content_type)
        response["Content-Length"] = str(size)
    elif size <= SMALL_FILE:
        with handle:
            response = HttpResponse(handle.read(), content_type=spec.content_type)
        response["Content-Length"] = str(size)  # served above CommonMiddleware, which sets it
    else:
        # Handed to the server as a file (wsgi.file_wrapper: sendfile under gunicorn).
        response = FileResponse(handle, content_type=spec.content_type)
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        response[name] = headers[name]
    if compressed:
        response["Content-Encoding"] = "gzip"
    if spec.disposition:
        response["Content-Disposition"] = spec.disposition
    elif "Content-Disposition" in response:
        del response["Content-Disposition"]  # FileResponse names it after the file on disk
    # Range requests are not supported: the whole file, 200 (RFC 9110 lets a server ignore
    # Range); said here so a download manager does not try.
    response["Accept-Ranges"] = "none"
    return response


class OpenDataMiddleware:
    """Serve the open-data files before the per-user middleware (sessions, CSRF, login,
    messages, axes) runs, as WhiteNoise serves static files: a download costs the lookup
    query and the file. It sits below the security, CSP and CORS middleware, so the files
    carry their headers. The views below answer the same where this is not installed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.paths: dict[str, Spec] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in ("GET", "HEAD"):
            if not self.paths:
                names = {CSV: "accounts_csv", FEED: "feed", JSON: "accounts_json"}
                self.paths = {reverse(f"public:{name}"): spec for spec, name in names.items()}
            spec = self.paths.get(request.path_info)
            if spec is not None and not (spec is CSV and _filtered(request)):
                return serve(request, spec)
        return self.get_response(request)


def _filtered(request: HttpRequest) -> selectors.ListFilter | None:
    """The public list's filter in the query (service, department, keywords), if any."""
    flt = selectors.ListFilter.from_query(request.GET)
    return flt if (flt.service or flt.department is not None or flt.q.strip()) else None


def _file_view(spec: Spec) -> Callable[[HttpRequest], HttpResponseBase]:
    @login_not_required
    @require_safe
    @transaction.non_atomic_requests  # a file written here is committed before it is served
    def view(request: HttpRequest) -> HttpResponseBase:
        return serve(request, spec)

    return view


registry_feed = _file_view(FEED)
registry_json = _file_view(JSON)


@login_not_required
@require_safe
@transaction.non_atomic_requests
def accounts_csv(request: HttpRequest) -> HttpResponseBase:
    """The CSV file; with a filter of the public list (service, department, keywords), the
    matching accounts written for this request."""
    flt = _filtered(request)
    if flt is None:
        return serve(request, CSV)
    out = tempfile.TemporaryFile()  # noqa: SIM115 — the FileResponse closes it
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    opendata.write_csv(text, opendata.csv_accounts(flt))
    text.flush()
    text.detach()
    out.seek(0)
    response = FileResponse(out, content_type=CSV.content_type)
    response["Content-Disposition"] = CSV.disposition
    response["Cache-Control"] = "public, no-cache"
    return response
