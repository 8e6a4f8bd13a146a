# AuditEvent now belongs to the audit app (audit 0001); its table is untouched.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rostering", "0008_engine_links"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
        ),
    ]
