"""Ship the US federal calling window (TCPA: 08:00–21:00 in the called party's zone)."""

import datetime

from django.db import migrations


def _add(apps, schema_editor):  # type: ignore[no-untyped-def]
    CallingRule = apps.get_model("dialing", "CallingRule")
    CallingRule.objects.get_or_create(
        tenant=None, country="US", region="",
        defaults={"name": "US federal (TCPA) 08:00–21:00", "start": datetime.time(8, 0),
                  "end": datetime.time(21, 0), "weekdays": []},
    )


def _remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("dialing", "CallingRule").objects.filter(
        tenant=None, country="US", region="").delete()


class Migration(migrations.Migration):
    dependencies = [("dialing", "0001_initial")]
    operations = [migrations.RunPython(_add, _remove)]
