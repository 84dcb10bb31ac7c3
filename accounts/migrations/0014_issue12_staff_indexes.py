"""Issue 12 §4: indexes for every order of the staff account list (staff.filters.SORTS), so
a page is read in order at 100 000 accounts instead of sorting them all."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_issue12_trigram_search"),
        ("organization", "0002_user_staff_number"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("status", "abandoned"), _negated=True),
                fields=["display_name", "id"],
                name="account_name_order",
            ),
        ),
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("status", "abandoned"), _negated=True),
                fields=["service", "display_name", "id"],
                name="account_service_order",
            ),
        ),
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("status", "abandoned"), _negated=True),
                fields=["department", "display_name", "id"],
                name="account_department_order",
            ),
        ),
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("status", "abandoned"), _negated=True),
                fields=["updated_at", "id"],
                name="account_updated_order",
            ),
        ),
        migrations.AddIndex(
            model_name="officialaccount",
            index=models.Index(
                condition=models.Q(("status", "abandoned"), _negated=True),
                fields=["listed_at", "id"],
                name="account_listed_order",
            ),
        ),
    ]
