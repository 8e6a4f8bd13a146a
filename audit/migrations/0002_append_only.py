# Audit rows outlive what they name: the district and the actor are kept without a
# database constraint (nothing cascades into the trail or sets it to NULL), the
# district's name is kept on the row, and on PostgreSQL a trigger refuses UPDATE and
# DELETE of any audit row, so the trail is append-only for every client of the database.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % of audit events is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON rostering_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS audit_event_append_only ON rostering_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def district_names_fill(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    District = apps.get_model("rostering", "District")
    for district in District.objects.all():
        AuditEvent.objects.filter(district_id=district.pk).update(district_name=district.name)


def trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("rostering", "0009_audit_moves_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="district_name",
            field=models.CharField(blank=True, help_text="The district's name when the event was written.", max_length=200),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="district",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="audit_events", to="rostering.district"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="audit_events", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=[("create", "Created"), ("update", "Changed"), ("delete", "Deleted"), ("test", "Tested connection"), ("refresh", "Updated school list"), ("map", "Mapped school"), ("pull", "Started import"), ("approve", "Approved held changes"), ("discard", "Discarded held changes"), ("archive", "Ran end-of-year archive"), ("rotate_key", "Re-encrypted secrets under a new key")], max_length=16),
        ),
        migrations.RunPython(district_names_fill, migrations.RunPython.noop),
        migrations.RunPython(trigger_create, trigger_drop),
    ]
