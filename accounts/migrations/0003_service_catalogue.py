"""The catalogue of services the product recognises (accounts.identity has their URL rules)."""

from django.db import migrations

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


def create_services(apps, schema_editor):
    Service = apps.get_model("accounts", "Service")
    for order, (slug, name, badge) in enumerate(SERVICES, start=1):
        Service.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "offers_verified_badge": badge, "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(create_services, migrations.RunPython.noop)]
