from django.db import migrations

ROLES = [
    "delegate", "committee", "union_office", "department_handler", "department_head",
    "subunion_chair", "member", "auditor", "admin",
]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for code in ROLES:
        Group.objects.get_or_create(name=f"role:{code}")


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
