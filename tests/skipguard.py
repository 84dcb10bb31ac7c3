"""No silent skips in CI: which skip is a failure there (hooks in tests/conftest.py).

A test that needs a service says so, in its skip reason ("Redis is not running…", "browser
tests need Chromium…", "needs PostgreSQL…") or with the ``postgres`` marker. .ci/run starts every
service and sets REQUIRE_SERVICES=1 (CI=true counts too), so there such a skip means the test did
not run where it must: it fails instead. PostgreSQL is required only on the PostgreSQL run; on
the SQLite run a PostgreSQL-only test skips as before. A skip for a missing module
(``pytest.importorskip``) fails as well: the lock installs every dev dependency. Any other skip
(e.g. "an abstract base") stays a skip.
"""

import os
import re
from collections.abc import Mapping

SERVICES = {
    "Redis": re.compile(r"\bredis\b", re.IGNORECASE),
    "Chromium": re.compile(r"\b(chromium|browser)\b", re.IGNORECASE),
    "PostgreSQL": re.compile(r"\bpostgres(ql)?\b", re.IGNORECASE),
}
MISSING_MODULE = re.compile(r"^could not import\b")  # pytest.importorskip's reason


def services_required(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("REQUIRE_SERVICES") == "1" or environ.get("CI", "").lower() == "true"


def failure_for_skip(
    reason: str, *, postgres_marked: bool, on_postgresql: bool, required: bool
) -> str | None:
    """The failure message a skip becomes, or None when the skip may stand."""
    if not required:
        return None
    if MISSING_MODULE.match(reason):
        return (
            f"skipped in CI for a missing module ({reason}): every dev dependency is in "
            "requirements/lock.txt; add it to pyproject.toml and run bash scripts/lock.sh"
        )
    needed = [name for name, pattern in SERVICES.items() if pattern.search(reason)]
    if postgres_marked and "PostgreSQL" not in needed:
        needed.append("PostgreSQL")
    if not on_postgresql and "PostgreSQL" in needed:
        needed.remove("PostgreSQL")  # the SQLite run: the PostgreSQL run covers it
    if not needed:
        return None
    return (
        f"this test needs {' and '.join(needed)} and was skipped ({reason}), but .ci/run starts "
        "every service (REQUIRE_SERVICES=1 or CI=true): start it, or unset both to allow the skip"
    )
