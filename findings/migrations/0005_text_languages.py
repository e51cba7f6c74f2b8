from django.db import migrations, models
from django.db.models import F


def copy_to_english(apps, schema_editor):
    """The findings written so far are English: their text becomes the English column."""
    apps.get_model("findings", "Finding").objects.update(text_en=F("text"))


def copy_back(apps, schema_editor):
    Finding = apps.get_model("findings", "Finding")
    Finding.objects.exclude(text_en=None).update(text=F("text_en"))


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0004_board_views_admin_log'),
    ]

    operations = [
        migrations.AddField(
            model_name='finding',
            name='text_en',
            field=models.TextField(null=True, verbose_name='text'),
        ),
        migrations.AddField(
            model_name='finding',
            name='text_ru',
            field=models.TextField(null=True, verbose_name='text'),
        ),
        migrations.RunPython(copy_to_english, copy_back),
    ]
