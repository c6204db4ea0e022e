"""A phone app's day, through the API and WebSockets only: sign in, find a course, enrol,
learn every lesson, pass the quiz, hear about the certificate live; then book a live class,
chat with the teacher, and get the teacher's confirmation as a push on the phone."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from api.tests.helpers import app_sign_in, bearer, post_json
from courses import services as course_services
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, make_course
from live.tests.factories import availability_set
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


def _book_and_subscribe(student, teacher, push_service) -> dict:
    course_services.course_enroll(student=student, course=make_course(teacher, title="Algebra"))
    availability_set(teacher, zone="UTC", hours=[(day, "00:00", "23:30") for day in range(7)], class_minutes=30)
    client = Client()
    auth = bearer(app_sign_in(client, student)["access_token"])
    phone = push_service.subscribe("phone")
    assert (
        post_json(
            client, "/api/v1/push-subscriptions/", {**phone.subscription(), "device": "Phone"}, **auth
        ).status_code
        == 201
    )

    slug = teacher.teacher_profile.slug
    start = client.get(f"/api/v1/teachers/{slug}/slots/", **auth).json()[0]["start"]
    booked = post_json(
        client, "/api/v1/bookings/", {"teacher": slug, "start": start}, HTTP_IDEMPOTENCY_KEY="b-1", **auth
    )
    assert booked.status_code == 201, booked.content
    conversation = post_json(client, "/api/v1/conversations/", {"user": teacher.pk}, **auth).json()
    ticket = post_json(client, "/api/v1/realtime/ticket/", **auth).json()["ticket"]
    teacher_client = Client()
    teacher_auth = bearer(app_sign_in(teacher_client, teacher)["access_token"])
    return {
        "class_id": booked.json()["live_class"]["id"],
        "conversation": conversation["id"],
        "ticket": ticket,
        "teacher": (teacher_client, teacher_auth),
    }


async def test_a_phone_books_a_class_chats_and_gets_the_confirmation_as_a_push(
    transactional_db, student, teacher, push_service
):
    state = await database_sync_to_async(_book_and_subscribe)(student, teacher, push_service)
    socket = WebsocketCommunicator(application, f"/ws/chat/{state['conversation']}/?ticket={state['ticket']}")
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "chat.hello"

    await socket.send_json_to({"type": "chat.send", "body": "Can we look at quadratics?", "client_id": "phone-1"})
    frames = [await socket.receive_json_from() for _ in range(2)]
    assert {frame["type"] for frame in frames} == {"chat.ack", "chat.message"}

    teacher_client, teacher_auth = state["teacher"]

    def teacher_replies_and_confirms():
        url = f"/api/v1/conversations/{state['conversation']}/messages/"
        assert post_json(teacher_client, url, {"body": "Yes, bring your questions."}, **teacher_auth).status_code == 201
        confirmed = post_json(teacher_client, f"/api/v1/classes/{state['class_id']}/approve/", **teacher_auth)
        assert confirmed.json()["status"] == "confirmed"

    await database_sync_to_async(teacher_replies_and_confirms)()
    reply = await socket.receive_json_from()
    while reply["type"] != "chat.message":
        reply = await socket.receive_json_from()
    assert reply["message"]["body"] == "Yes, bring your questions."
    assert reply["message"]["sender"] == {"id": teacher.pk, "name": "Tess Teacher"}
    await socket.disconnect()

    pushes = push_service.wait_for(1)
    assert push_service.rejected == []
    confirmation = next(push["payload"] for push in pushes if push["payload"]["kind"] == "live")
    assert confirmation["title"].startswith("Tess Teacher confirmed your class on")
    assert confirmation["url"] == "http://testserver" + reverse("live:class_detail", args=[state["class_id"]])
