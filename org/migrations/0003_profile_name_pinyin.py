from django.db import migrations, models


def fill_pinyin(apps, schema_editor):
    # The live helpers, not a frozen copy: the readings only ever get better, and a row saved
    # later is filled by Profile.save with the same functions anyway.
    from org.names import pinyin_full, pinyin_initials

    Profile = apps.get_model("org", "Profile")
    batch = []
    for profile in Profile.objects.only("pk", "full_name").iterator(chunk_size=2000):
        profile.name_pinyin = pinyin_full(profile.full_name)[:200]
        profile.name_initials = pinyin_initials(profile.full_name)[:64]
        batch.append(profile)
        if len(batch) >= 2000:
            Profile.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    if batch:
        Profile.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


class Migration(migrations.Migration):
    dependencies = [("org", "0002_role_groups")]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="name_pinyin",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="姓名拼音"),
        ),
        migrations.AddField(
            model_name="profile",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="姓名拼音首字母"),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop),
    ]
