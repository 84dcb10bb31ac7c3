"""The catalogue of services the product recognises (accounts.identity has their URL rules)."""

from django.db import migrations

from accounts.catalogue import ensure_catalogue


def create_services(apps, schema_editor):
    ensure_catalogue(apps.get_model("accounts", "Service"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(create_services, migrations.RunPython.noop)]
