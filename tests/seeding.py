"""Data made once per test module: the demo municipality (the slow part) and whatever a module
adds to it, inside a transaction rolled back when the module ends. Each test then runs in its
own savepoint (pytest-django's ``db``) and starts from the same data."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import transaction


@contextmanager
def seeded_for_module(django_db_blocker, add: Callable[[], None] | None = None) -> Iterator[None]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            if add is not None:
                add()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def reset_sequences() -> None:
    """Move every table's id sequence past its rows (PostgreSQL; SQLite needs nothing).

    ``flush`` restarts the sequences and ``deserialize_db_from_string`` puts rows back with
    their own ids without moving them (``loaddata`` would): the next insert would reuse an id.
    """
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = apps.get_models(include_auto_created=True)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
