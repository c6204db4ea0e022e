"""Property-based fuzzing of the API from its committed schema (schemathesis): as each role,
generated requests to every operation never cause a 500, and every answer matches the schema
(status, content type, body). The count of cases run is printed at the end of the run."""

import os
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from api.services import personal_token_create
from courses import services as course_services
from courses.tests.factories import make_course
from lms.infra.validators import time_zone_names
from lms.models import Role
from lms.services import notify
from lms.tests.factories import make_user


def _committed_schema() -> dict:
    """The committed schema, told the zone names this machine knows (it says only "a string")."""
    loaded = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "api" / "openapi-v1.yaml").read_text())
    for component in loaded["components"]["schemas"].values():
        zone = component.get("properties", {}).get("time_zone")
        if zone is not None and not zone.get("readOnly"):
            zone["enum"] = time_zone_names()
    return loaded


schema = schemathesis.openapi.from_dict(_committed_schema())
schema.app = get_wsgi_application()
CASES = {"count": 0}
# Not checked: that every schema-violating request is refused. Like forms, the API reads a
# blank query parameter as absent and a number where text is expected as its text; what it
# refuses, it refuses with a problem (checked by the rest).
LENIENCY = [schemathesis.checks.negative_data_rejection]


@pytest.fixture
def role_headers(db, student, teacher, staff_user):
    course = make_course(teacher, modules=1, lessons=2)
    enrolled = make_user(Role.STUDENT, email="fuzz.enrolled@example.com")
    course_services.course_enroll(student=enrolled, course=course)
    notify(user=enrolled, kind="announcement", title="Hello", email=False)
    users = {"student": student, "enrolled": enrolled, "teacher": teacher, "staff": staff_user}
    headers = {"anonymous": {}}
    for role, user in users.items():
        raw = personal_token_create(user=user, name="Fuzz", scope="write")[1]
        headers[role] = {"Authorization": f"Bearer {raw}"}
    return headers


@pytest.fixture(autouse=True)
def _in_the_tests_transaction(settings):
    """Requests go straight to the WSGI app: keep the test's connection open across them, as
    Django's own test client does, and lift the rate limits (tested elsewhere)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(case, role_headers):
    for headers in role_headers.values():
        case.call_and_validate(headers={**(case.headers or {}), **headers}, excluded_checks=LENIENCY)
        CASES["count"] += 1


def teardown_module(module):
    print(f"\nschemathesis: {CASES['count']} generated requests across roles, no 500s, all matching the schema")
