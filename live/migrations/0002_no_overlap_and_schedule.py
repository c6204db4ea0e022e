"""The database guarantees behind the live app.

1. On PostgreSQL only: the btree_gist extension and an exclusion constraint that makes
   two pending/confirmed classes of one teacher with overlapping times impossible. It is
   raw SQL, not `Meta.constraints`, so the model state (and `makemigrations --check`) is
   the same on SQLite, which relies on its single writer and the booking transaction.
2. The django-q2 Schedule `live-tick` (expire unanswered requests, send reminders),
   created idempotently.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE live_liveclass ADD CONSTRAINT live_class_no_overlap
EXCLUDE USING gist (teacher_id WITH =, tstzrange("start", "end", '[)') WITH &&)
WHERE (status IN ('pending', 'confirmed'))
"""
DROP = "ALTER TABLE live_liveclass DROP CONSTRAINT IF EXISTS live_class_no_overlap"


def constraint_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def constraint_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def schedule_create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name="live-tick",
        defaults={"func": "live.tasks.live_tick", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )


def schedule_delete(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="live-tick").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        BtreeGistExtension(),  # itself does nothing on other databases
        migrations.RunPython(constraint_create, constraint_drop),
        migrations.RunPython(schedule_create, schedule_delete),
    ]
