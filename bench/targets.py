"""What is measured: the trivial baseline and the public pages, with their URL pools."""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import quote

# --- Targets ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    paths: list[str]
    public: bool = True  # judged against the trivial view
    note: str = ""


def spread(items: list, n: int) -> list:
    """n items evenly spread over the list (all of them if it is shorter)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def build_targets(rows, pool: int, seed: int) -> list[Target]:
    rng = random.Random(seed)
    picked = spread(rows, pool)
    account_paths = [f"/accounts/{pk}/" for pk, *_ in picked]

    # Verify queries: half existing accounts (as the canonical URL or as a bare @handle, which
    # the verifier tries against every service), half look-alikes that are not registered.
    queries = []
    for i, (_pk, slug, identifier, url) in enumerate(spread(rows, pool // 2)):
        queries.append("@" + identifier.lstrip("@") if i % 2 and slug != "other" else url)
    while len(queries) < pool:
        fake = f"nosuch_{rng.randrange(16**8):08x}"
        queries.append(f"@{fake}" if len(queries) % 2 else f"https://x.com/{fake}")
    rng.shuffle(queries)
    q = [quote(s, safe="@") for s in queries]

    pages = max(1, -(-len(rows) // 50))
    page_paths = [f"/?page={p}" for p in spread(list(range(1, pages + 1)), pool)]
    return [
        Target("trivial", ["/bench/trivial/"], public=False, note="baseline, no DB"),
        Target("list /", ["/"]),
        Target("list /?page=N", page_paths, note=f"{len(page_paths)} pages of {pages}"),
        Target("account /accounts/<id>/", account_paths, note=f"{len(account_paths)} ids"),
        Target("verify API", [f"/api/v1/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
        Target("verify page /verify/", [f"/verify/?q={s}" for s in q], note=f"{len(q)} queries"),
    ]


def zipf_cum_weights(n: int, s: float) -> list[float]:
    """Popularity of the n paths of a target: a few are asked for often, most rarely."""
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**s
        out.append(total)
    return out
