from django.db import migrations

# The hub's six countries; the Board can add more in the admin.
HUB_COUNTRIES = [
    ("KZ", "Kazakhstan", "Казахстан"),
    ("KG", "Kyrgyzstan", "Кыргызстан"),
    ("TJ", "Tajikistan", "Таджикистан"),
    ("TM", "Turkmenistan", "Туркменистан"),
    ("UZ", "Uzbekistan", "Узбекистан"),
    ("MN", "Mongolia", "Монголия"),
]


def add_countries(apps, schema_editor):
    Country = apps.get_model("dialogues", "Country")
    for code, name, name_ru in HUB_COUNTRIES:
        Country.objects.get_or_create(code=code, defaults={"name": name, "name_ru": name_ru})


def remove_countries(apps, schema_editor):
    Country = apps.get_model("dialogues", "Country")
    Country.objects.filter(code__in=[code for code, _, _ in HUB_COUNTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0001_initial")]

    operations = [migrations.RunPython(add_countries, remove_countries)]
