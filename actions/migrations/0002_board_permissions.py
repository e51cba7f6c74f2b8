from django.contrib.auth.management import create_permissions
from django.db import migrations

BOARD = "Board"
MODELS = ["action", "actionupdate"]
ACTIONS = ["view", "add", "change", "delete"]
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ACTIONS]


def board_manages_actions(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now.
    app_config = apps.get_app_config("actions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=BOARD)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="actions", codename__in=CODENAMES)
    )


def board_no_longer_manages_actions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=BOARD):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="actions", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0001_initial"),
        ("findings", "0005_text_languages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(board_manages_actions, board_no_longer_manages_actions)]
