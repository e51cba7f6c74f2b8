from django.contrib.auth.management import create_permissions
from django.db import migrations

BOARD = "Board"


def board_views_admin_log(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now.
    app_config = apps.get_app_config("admin")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=BOARD)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="admin", codename="view_logentry")
    )


def board_no_longer_views_admin_log(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=BOARD):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="admin", codename="view_logentry")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0003_import_preview"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(board_views_admin_log, board_no_longer_views_admin_log)]
