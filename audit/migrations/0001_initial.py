# The audit trail moves from the rostering app to its own app below both apps. Its
# table stays where it is (rostering_auditevent): this migration only takes over the
# model's state from rostering; rostering 0009 lets go of it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ACTIONS = [
    ("create", "Created"),
    ("update", "Changed"),
    ("delete", "Deleted"),
    ("test", "Tested connection"),
    ("refresh", "Updated school list"),
    ("map", "Mapped school"),
    ("pull", "Started import"),
    ("approve", "Approved held changes"),
    ("discard", "Discarded held changes"),
    ("archive", "Ran end-of-year archive"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("rostering", "0008_engine_links"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("actor_label", models.CharField(help_text="The user name, or 'scheduler' / 'command line'.", max_length=150)),
                        ("action", models.CharField(choices=ACTIONS, max_length=16)),
                        ("object_type", models.CharField(max_length=100)),
                        ("object_id", models.CharField(blank=True, max_length=64)),
                        ("object_repr", models.CharField(blank=True, max_length=255)),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        ("message", models.TextField(blank=True)),
                        ("remote_addr", models.GenericIPAddressField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="audit_events", to=settings.AUTH_USER_MODEL)),
                        ("district", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="audit_events", to="rostering.district")),
                    ],
                    options={
                        "db_table": "rostering_auditevent",
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit trail",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["district", "-created_at"], name="audit_district_time")],
                    },
                ),
            ],
        ),
    ]
