"""The catalogue of services the product recognises (accounts.identity has their URL rules).

Used by the data migration that creates it and by ``seed_demo``, which restores it when a
test database was flushed (transactional tests empty every table, migration data included).
"""

# (slug, name, offers a verified badge) — R7: the badge is asked for where one exists.
SERVICES = [
    ("x", "X（旧Twitter）", True),
    ("facebook", "Facebook", True),
    ("instagram", "Instagram", True),
    ("youtube", "YouTube", True),
    ("line", "LINE公式アカウント", True),
    ("tiktok", "TikTok", True),
    ("threads", "Threads", True),
    ("bluesky", "Bluesky", False),
    ("note", "note", False),
    ("other", "その他（ブログ等）", False),
]


def ensure_catalogue(service_model) -> None:
    """Create any missing service; never overwrite what a system administrator changed."""
    existing = set(service_model.objects.values_list("slug", flat=True))
    for order, (slug, name, badge) in enumerate(SERVICES, start=1):
        if slug not in existing:
            service_model.objects.create(
                slug=slug, name=name, offers_verified_badge=badge, sort_order=order * 10
            )
