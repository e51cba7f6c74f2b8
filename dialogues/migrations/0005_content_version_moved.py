"""The content version now belongs to the project (``i4c.ContentVersion``).

State only: the table and its row stay, owned by ``i4c`` from its first migration on.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dialogues', '0004_content_languages'),
        ('i4c', '0001_content_version'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ContentVersion')],
            database_operations=[],
        ),
    ]
