"""The site default: every user gets e-mail as well as the in-app message, one by one,
until they (or the admin, by editing this row) choose otherwise."""

from django.db import migrations


def create_default(apps, schema_editor):
    Preference = apps.get_model("notifications", "Preference")
    Preference.objects.get_or_create(user=None, event_kind="*", defaults={"channels": ["email"], "digest": False})


def remove_default(apps, schema_editor):
    Preference = apps.get_model("notifications", "Preference")
    Preference.objects.filter(user=None, event_kind="*").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_delivery")]

    operations = [migrations.RunPython(create_default, remove_default)]
