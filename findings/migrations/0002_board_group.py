from django.contrib.auth.management import create_permissions
from django.db import migrations

BOARD = "Board"
MODELS = {
    "dialogues": ["dialogue", "session", "theme", "country"],
    "findings": ["finding"],
}
ACTIONS = ["view", "add", "change", "delete"]


def create_board_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now.
    for label in MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=BOARD)
    wanted = []
    for label, models in MODELS.items():
        for model in models:
            for action in ACTIONS:
                wanted.append(
                    Permission.objects.get(
                        content_type__app_label=label, codename=f"{action}_{model}"
                    )
                )
    group.permissions.set(wanted)


def remove_board_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=BOARD).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0001_initial"),
        ("dialogues", "0002_hub_countries"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_board_group, remove_board_group)]
