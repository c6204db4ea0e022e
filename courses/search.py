"""Catalog search: what a course is found by, how a query matches, and what a typo suggests.

A course's search document holds only what any visitor may read: its title (weight A),
summary (B), description and lesson titles (C) and the text of its free-preview lessons (D)
— never a locked lesson's text or a quiz. On PostgreSQL it is a `tsvector` in
`CourseSearchDocument.vector` (GIN-indexed), matched with `websearch_to_tsquery` (quotes, "or",
-exclusions; a single word also matches as a prefix, for search-as-you-type) and ranked with
`ts_rank`. The words of every document go into `SearchTerm`, whose trigram index (pg_trgm)
finds the nearest known word for each word of a query that matched nothing ("pyhton" →
"python"). SQLite, for `make run`, matches words in the title, summary and description with
`icontains` and suggests with difflib over the same `SearchTerm` words.

One place keeps documents current: `refresh`, connected by `connect()` (CoursesConfig.ready)
to Wagtail's publish, unpublish and move signals and to deletions of course pages, rebuilds
the document of the course concerned (`CoursePage.search_document_update`).
`manage.py courses_search_rebuild` rebuilds every course's.

This module reads no model of its own app (courses/models.py imports it).
"""

import difflib
import html
import re
from functools import reduce
from operator import add

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramDistance
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.signals import post_delete
from django.utils.html import strip_tags
from wagtail.signals import page_published, page_unpublished, post_page_move

CONFIG = "english"
MIN_SIMILARITY = 0.25  # pg_trgm similarity of a suggested word ("pyhton"/"python": 0.27)
MAX_QUERY_WORDS = 5


def postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Documents -----------------------------------------------------------------------------------


def plain(rich_text: str) -> str:
    return html.unescape(strip_tags(rich_text or ""))


def vector(*, title: str, summary: str, description: str, preview: str) -> SearchVector:
    """The weighted tsvector of a course's parts (PostgreSQL)."""
    parts = [(title, "A"), (summary, "B"), (description, "C"), (preview, "D")]
    return reduce(
        add, (SearchVector(Value(text, output_field=TextField()), weight=w, config=CONFIG) for text, w in parts)
    )


def words(*texts: str) -> set[str]:
    """The words a suggestion may offer: lower case, letters only, 4 to 64 of them."""
    return {w for text in texts for w in re.findall(r"[^\W\d_]{4,64}", text.lower())}


def refresh(sender=None, instance=None, parent_page_before=None, parent_page_after=None, **kwargs) -> None:
    """Receiver: rebuild the search document of the course a published, unpublished, moved or
    deleted course page belongs to (each course page type knows its `course`)."""
    courses = {}
    for page in (instance, parent_page_before, parent_page_after):
        course = getattr(page.specific if page is not None else None, "course", None)
        if course is not None:
            courses[course.pk] = course
    for course in courses.values():
        course.search_document_update()


def connect(*page_types) -> None:
    """Keep the documents of `page_types` (the course page types) current."""
    signals = {"published": page_published, "unpublished": page_unpublished, "moved": post_page_move}
    signals["deleted"] = post_delete
    for page_type in page_types:
        for event, signal in signals.items():
            signal.connect(refresh, sender=page_type, dispatch_uid=f"courses.search.{page_type.__name__}.{event}")


# --- Queries -------------------------------------------------------------------------------------


def matching(courses: QuerySet, q: str) -> QuerySet:
    """The `courses` that match the query `q`, best first (PostgreSQL) or as they come (SQLite)."""
    if not postgres():
        for word in re.findall(r"\w+", q)[:MAX_QUERY_WORDS]:
            courses = courses.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
            )
        return courses
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    if re.fullmatch(r"\w+", q):
        query |= SearchQuery(f"{q}:*", search_type="raw", config=CONFIG)
    rank = SearchRank(F("search_document__vector"), query)
    return courses.filter(search_document__vector=query).annotate(rank=rank).order_by("-rank")


def suggestion(q: str, *, terms: QuerySet) -> str:
    """`q` with each unknown word (of 4 letters or more) replaced by the nearest known one
    among `terms` (SearchTerm rows), or "" when nothing changes."""
    asked = re.findall(r"\w+", q.lower())[:MAX_QUERY_WORDS]
    corrected = [(_nearest(word, terms) if len(word) >= 4 else None) or word for word in asked]
    return " ".join(corrected) if corrected != asked else ""


def _nearest(word: str, terms: QuerySet) -> str | None:
    if postgres():
        # A nearest-neighbour search on the trigram index: one row, however many words are known.
        found = terms.annotate(distance=TrigramDistance("word", word)).order_by("distance").first()
        return found.word if found is not None and 1 - found.distance >= MIN_SIMILARITY else None
    match = difflib.get_close_matches(word, list(terms.values_list("word", flat=True)), n=1, cutoff=0.75)
    return match[0] if match else None
