from django.db import migrations

CATEGORIES = ["教学科研", "人事人才", "民主管理", "后勤保障", "福利待遇", "校园建设", "学生工作", "其他"]


def create_categories(apps, schema_editor):
    Category = apps.get_model("proposals", "Category")
    for order, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
