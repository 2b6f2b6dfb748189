"""``Lead.status_dialable``: whether the lead's status is dialable, kept by triggers, and
the claim index narrowed to dialable leads.

Leads whose status is not dialable (Not Interested, Converted…) keep their weight, so
after a day of calls they gather at the head of each campaign's claim index, and every
claim walked past all of them: 20 % of a million leads so parked took claims from ~650
to ~145 a second. The index cannot see a status's dialability; this column can be in its
predicate. Triggers keep it, so no writer (the ORM, set-based rules, COPY) can forget.

SQLite: Django rebuilds a table to alter it, and the rebuild drops its triggers; a later
migration that alters ``leads_lead`` on SQLite must create them again
(``test_status_dialable`` fails if it does not).
"""

from django.db import migrations, models

_PG = [
    """CREATE OR REPLACE FUNCTION leadflow_lead_status_dialable() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         NEW.status_dialable := COALESCE(
           (SELECT is_dialable FROM statuses_leadstatus WHERE id = NEW.status_id), TRUE);
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER lead_status_dialable BEFORE INSERT OR UPDATE OF status_id
       ON leads_lead FOR EACH ROW EXECUTE FUNCTION leadflow_lead_status_dialable()""",
    """CREATE OR REPLACE FUNCTION leadflow_status_dialable_changed() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.is_dialable IS DISTINCT FROM OLD.is_dialable THEN
           UPDATE leads_lead SET status_dialable = NEW.is_dialable WHERE status_id = NEW.id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER status_dialable_changed AFTER UPDATE OF is_dialable
       ON statuses_leadstatus FOR EACH ROW EXECUTE FUNCTION leadflow_status_dialable_changed()""",
    """UPDATE leads_lead l SET status_dialable = s.is_dialable
       FROM statuses_leadstatus s WHERE s.id = l.status_id AND NOT s.is_dialable""",
    "DROP INDEX IF EXISTS lead_claim_pool",
    """CREATE INDEX lead_claim_pool ON leads_lead
       (campaign_id, weight DESC, last_call_at ASC NULLS FIRST)
       WHERE NOT is_blacklisted AND lease_token IS NULL AND status_dialable""",
]
_PG_REVERSE = [
    "DROP TRIGGER IF EXISTS lead_status_dialable ON leads_lead",
    "DROP FUNCTION IF EXISTS leadflow_lead_status_dialable()",
    "DROP TRIGGER IF EXISTS status_dialable_changed ON statuses_leadstatus",
    "DROP FUNCTION IF EXISTS leadflow_status_dialable_changed()",
    "DROP INDEX IF EXISTS lead_claim_pool",
    """CREATE INDEX lead_claim_pool ON leads_lead
       (campaign_id, weight DESC, last_call_at ASC NULLS FIRST)
       WHERE NOT is_blacklisted AND lease_token IS NULL""",
]

# SQLite cannot assign NEW in a trigger: the row is corrected right after, and only
# when its flag is wrong (a lead in a dialable status is not written twice).
_SQLITE_DIALABLE = ("COALESCE((SELECT is_dialable FROM statuses_leadstatus "
                    "WHERE id = NEW.status_id), 1)")
_SQLITE = [
    f"""CREATE TRIGGER lead_status_dialable_insert AFTER INSERT ON leads_lead
        WHEN NEW.status_dialable IS NOT {_SQLITE_DIALABLE}
        BEGIN UPDATE leads_lead SET status_dialable = {_SQLITE_DIALABLE}
        WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER lead_status_dialable_update AFTER UPDATE OF status_id ON leads_lead
        WHEN NEW.status_dialable IS NOT {_SQLITE_DIALABLE}
        BEGIN UPDATE leads_lead SET status_dialable = {_SQLITE_DIALABLE}
        WHERE id = NEW.id; END""",
    """CREATE TRIGGER status_dialable_changed AFTER UPDATE OF is_dialable
       ON statuses_leadstatus WHEN NEW.is_dialable IS NOT OLD.is_dialable
       BEGIN UPDATE leads_lead SET status_dialable = NEW.is_dialable
       WHERE status_id = NEW.id; END""",
    """UPDATE leads_lead SET status_dialable = 0 WHERE status_id IN
       (SELECT id FROM statuses_leadstatus WHERE NOT is_dialable)""",
    "DROP INDEX IF EXISTS lead_claim_pool",
    """CREATE INDEX lead_claim_pool ON leads_lead (campaign_id, weight DESC, last_call_at ASC)
       WHERE NOT is_blacklisted AND lease_token IS NULL AND status_dialable""",
]
_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS lead_status_dialable_insert",
    "DROP TRIGGER IF EXISTS lead_status_dialable_update",
    "DROP TRIGGER IF EXISTS status_dialable_changed",
    "DROP INDEX IF EXISTS lead_claim_pool",
    """CREATE INDEX lead_claim_pool ON leads_lead (campaign_id, weight DESC, last_call_at ASC)
       WHERE NOT is_blacklisted AND lease_token IS NULL""",
]


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in _PG if schema_editor.connection.vendor == "postgresql" else _SQLITE:
        schema_editor.execute(sql)


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in _PG_REVERSE if postgres else _SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0005_events_without_db_foreign_keys'),
        ('statuses', '0002_api_mapping_and_workflow'),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='status_dialable',
            field=models.BooleanField(db_default=True, default=True, editable=False),
        ),
        migrations.RunPython(_forward, _backward),
    ]
