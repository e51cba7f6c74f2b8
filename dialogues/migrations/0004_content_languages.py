from django.db import migrations, models
from django.db.models import F

# The text written so far is English: it becomes the English column of each field.
TRANSLATED = {
    "Country": ["name"],
    "Theme": ["name"],
    "Dialogue": ["title", "series", "organiser", "summary"],
    "Session": ["title", "description"],
}


def copy_to_english(apps, schema_editor):
    for model_name, fields in TRANSLATED.items():
        model = apps.get_model("dialogues", model_name)
        model.objects.update(**{f"{field}_en": F(field) for field in fields})
    apps.get_model("dialogues", "Country").objects.filter(name_ru="").update(name_ru=None)


def copy_back(apps, schema_editor):
    for model_name, fields in TRANSLATED.items():
        model = apps.get_model("dialogues", model_name)
        for field in fields:
            model.objects.exclude(**{f"{field}_en": None}).update(**{field: F(f"{field}_en")})
    apps.get_model("dialogues", "Country").objects.filter(name_ru=None).update(name_ru="")


class Migration(migrations.Migration):

    dependencies = [
        ('dialogues', '0003_content_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='country',
            name='name_en',
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='organiser_en',
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name='organiser'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='organiser_ru',
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name='organiser'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='series_en',
            field=models.CharField(blank=True, help_text='For example “Regional Dialogues: Defending Civic Space”.', max_length=255, null=True, verbose_name='series'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='series_ru',
            field=models.CharField(blank=True, help_text='For example “Regional Dialogues: Defending Civic Space”.', max_length=255, null=True, verbose_name='series'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='summary_en',
            field=models.TextField(blank=True, null=True, verbose_name='summary'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='summary_ru',
            field=models.TextField(blank=True, null=True, verbose_name='summary'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='title_en',
            field=models.CharField(max_length=255, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='dialogue',
            name='title_ru',
            field=models.CharField(max_length=255, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='session',
            name='description_en',
            field=models.TextField(blank=True, null=True, verbose_name='description'),
        ),
        migrations.AddField(
            model_name='session',
            name='description_ru',
            field=models.TextField(blank=True, null=True, verbose_name='description'),
        ),
        migrations.AddField(
            model_name='session',
            name='title_en',
            field=models.CharField(max_length=255, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='session',
            name='title_ru',
            field=models.CharField(max_length=255, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='theme',
            name='name_en',
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='theme',
            name='name_ru',
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name='name'),
        ),
        # The former "name in Russian" becomes the name's Russian column: NULL
        # where it was empty (the names are unique in each language), then unique.
        migrations.AlterField(
            model_name='country',
            name='name_ru',
            field=models.CharField(max_length=100, null=True, verbose_name='name'),
        ),
        migrations.RunPython(copy_to_english, copy_back),
        migrations.AlterField(
            model_name='country',
            name='name_ru',
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name='name'),
        ),
    ]
