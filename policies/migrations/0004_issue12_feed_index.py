"""Issue 12 §4: the feed reads the newest published versions from an index."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_issue12_trigram_search"),
        ("policies", "0003_published_policy_has_required_items"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="operationpolicy",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["-published_at"],
                name="policy_published_recent",
            ),
        ),
    ]
