"""Profiling one cache-miss request of each page in-process (django.test.Client)."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from pathlib import Path

from bench.common import HOST, ROOT, BenchError

# --- Profiling one cache-miss request per page (in-process) ----------------------------------


def profile_main(paths: list[tuple[str, str, str]]) -> None:
    """Run inside a child with bench.settings: a cache-miss request of each page, profiled
    (signed in as the sample's user for the staff and admin pages)."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.cache import bump

    # As behind nginx: HTTPS as far as the production settings can tell (no SSL redirect).
    anonymous = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    signed_in: dict[str, Client] = {}
    site = str(Path(django.__file__).parent.parent)

    def where(key) -> str:
        return _where(key, site)

    print()
    print(
        "Profile: one cache-miss request per page, in-process (django.test.Client, "
        "bench.settings; SQL via CaptureQueriesContext; the BEGIN/COMMIT of ATOMIC_REQUESTS "
        "not counted)"
    )

    def client_for(role: str) -> Client:
        if not role:
            return anonymous
        if role not in signed_in:
            signed_in[role] = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
            signed_in[role].force_login(get_user_model().objects.get(username=role))
        return signed_in[role]

    for label, path, role in paths:
        client = client_for(role)
        if client.get(path).status_code != 200:  # templates loaded, code warm
            raise BenchError(f"{path} did not answer 200")
        miss_ms, hit_ms = [], []
        # A staff page is never cached, and takes seconds before issue 12: once is enough.
        for _ in range(1 if role else 3):
            bump()  # a new public generation: the next request is a cache miss
            with CaptureQueriesContext(connection) as miss_q:
                t0 = time.perf_counter()
                r = client.get(path)
                miss_ms.append((time.perf_counter() - t0) * 1000)
            with CaptureQueriesContext(connection) as hit_q:
                t0 = time.perf_counter()
                client.get(path)
                hit_ms.append((time.perf_counter() - t0) * 1000)
        miss_sql = [q for q in miss_q.captured_queries if q["sql"] not in TX]
        hit_sql = [q for q in hit_q.captured_queries if q["sql"] not in TX]
        sql_ms = sum(float(q["time"]) for q in miss_sql) * 1000
        shapes = Counter(_shape(q["sql"]) for q in miss_sql)
        repeated = sum(n for n in shapes.values() if n > 1)
        print(
            f"\n  {label}  {path[:70]}"
            + (f"  (signed in as {role})" if role else "")
            + f"\n    {'time' if role else 'miss'} {statistics.median(miss_ms):6.1f} ms  "
            f"{len(miss_sql)} queries ({sql_ms:.1f} ms SQL, {repeated} of the same shape)  "
            f"X-Cache={r.headers.get('X-Cache')}  {len(r.getvalue()) // 1024} KiB"
        )
        if not role:
            print(f"    hit  {statistics.median(hit_ms):6.1f} ms  {len(hit_sql)} queries")
        slow = sorted(miss_sql, key=lambda q: -float(q["time"]))[:2]
        for q in slow:
            print(f"    slowest SQL {float(q['time']) * 1000:5.1f} ms: {q['sql'][:150]}")
        bump()
        prof = cProfile.Profile()
        prof.enable()
        client.get(path)
        prof.disable()
        st = pstats.Stats(prof)
        stats = st.stats  # type: ignore[attr-defined]  # undocumented, stable since 2.x
        total = st.total_tt or 1e-9  # type: ignore[attr-defined]
        items = sorted(stats.items(), key=lambda kv: -kv[1][2])[:5]  # by own time
        print("    hottest (own time under cProfile):")
        for key, (_cc, nc, tt, _ct, _callers) in items:
            print(f"      {tt / total:5.1%} {nc:7d} calls  {where(key)[:110]}")
        project = [
            (key, v)
            for key, v in stats.items()
            if key[0].startswith(str(ROOT)) and ".venv" not in key[0] and "/bench/" not in key[0]
        ]
        project.sort(key=lambda kv: -kv[1][3])
        print("    project functions by cumulative time:")
        for key, (_cc, nc, _tt, ct, _callers) in project[:4]:
            print(f"      {ct / total:5.1%} {nc:7d} calls  {where(key)[:110]}")


TX = ("BEGIN", "COMMIT", "ROLLBACK")


def _where(key, site: str) -> str:
    filename, line, func = key
    if filename.startswith(str(ROOT)) and ".venv" not in filename:
        filename = filename[len(str(ROOT)) + 1 :]
    elif filename.startswith(site):
        filename = filename[len(site) + 1 :]
    return f"{filename}:{line}({func})"


def _shape(sql: str) -> str:
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)
