"""The catalog search (courses/search.py): each course's weighted search document, the words
typos are corrected to, and on PostgreSQL pg_trgm with the two indexes that serve them
(SQLite has neither index: the extension and the indexes are PostgreSQL-only operations).

Existing courses get their documents with `manage.py courses_search_rebuild`."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

INDEXES = [
    ("courses_search_document_gin", "courses_coursesearchdocument USING gin (vector)"),
    ("courses_searchterm_word_trgm", "courses_searchterm USING gist (word gist_trgm_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, target in INDEXES:
            schema_editor.execute(f"CREATE INDEX {name} ON {target}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("word", models.CharField(max_length=64, primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name="CourseSearchDocument",
            fields=[
                (
                    "course",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="courses.coursepage",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
