from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("proposals", "0006_assignment_revision_note")]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="declined_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="谢绝时间"),
        ),
    ]
