"""Assignments and rubrics for tests, published through Wagtail's tree API as a teacher would."""

import json
import uuid

from courses.models import ModulePage
from coursework.models import AssignmentPage, Rubric


def make_rubric(owner, *, title: str = "Essay rubric") -> Rubric:
    def level(label, points):
        return {"type": "item", "id": str(uuid.uuid4()), "value": {"label": label, "points": points, "description": ""}}

    def criterion(name):
        levels = [level("Excellent", "10"), level("Good", "6"), level("Weak", "2")]
        return {
            "type": "criterion",
            "id": str(uuid.uuid4()),
            "value": {"title": name, "description": "", "levels": levels},
        }

    return Rubric.objects.create(
        title=title, owner=owner, criteria=json.dumps([criterion("Argument"), criterion("Style")])
    )


def make_assignment(course, teacher, *, title: str = "Essay", module_index: int = 0, **fields) -> AssignmentPage:
    """An assignment appended to the course's module (the first by default), published."""
    module = ModulePage.objects.child_of(course).order_by("path")[module_index]
    body = [{"type": "paragraph", "id": str(uuid.uuid4()), "value": f"<p>INSTRUCTIONS of {title}</p>"}]
    assignment = AssignmentPage(title=title, owner=teacher, body=json.dumps(body), **fields)
    module.add_child(instance=assignment)
    assignment.save_revision(user=teacher).publish()
    assignment.refresh_from_db()
    return assignment


def level_ids(rubric: Rubric, *, pick: int = 0) -> dict[str, str]:
    """A level for every criterion: the `pick`-th of each (0 = the best)."""
    return {row["id"]: row["levels"][pick]["id"] for row in rubric.rows()}
