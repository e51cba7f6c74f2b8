"""The content version moves from ``dialogues`` to the project (the page cache's own table).

State only: the table stays where ``dialogues.0003_content_version`` created it,
under its name, with its row. Hence the dependency on that migration, the one
place where the project's history follows an app's.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('dialogues', '0003_content_version'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContentVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.CharField(max_length=32, verbose_name='value')),
                    ],
                    options={
                        'verbose_name': 'content version',
                        'verbose_name_plural': 'content versions',
                        'db_table': 'dialogues_contentversion',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
