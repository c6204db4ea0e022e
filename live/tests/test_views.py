"""Every URL of the live app, for every role; HTMX fragments; bad input never books."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from live import services
from live.models import LiveClass
from live.tests.conftest import SLOT
from lms.models import Role
from lms.tests.factories import make_user

KEY = SLOT.strftime("%Y-%m-%dT%H:%MZ")


@pytest.fixture
def people(student, london_teacher, other_teacher, staff_user):
    return {
        "anonymous": None,
        "student": student,
        "other_student": make_user(Role.STUDENT, email="other.student@example.com"),
        "teacher": london_teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }


def client_for(user, htmx=False):
    client = Client(headers={"HX-Request": "true"} if htmx else {})
    if user is not None:
        client.force_login(user)
    return client


def status_of(people, who, method, url, data=None, htmx=False):
    client = client_for(people[who], htmx=htmx)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return response.status_code


def expect(people, method, url, table, data=None, htmx=False):
    got = {who: status_of(people, who, method, url, data, htmx) for who in table}
    assert got == table


LOGIN = 302


def test_my_classes_and_panels(people, confirmed):
    everyone = {"student": 200, "other_student": 200, "teacher": 200, "other_teacher": 200, "staff": 200}
    expect(people, "get", reverse("live:my_classes"), {"anonymous": LOGIN, **everyone})
    expect(people, "get", reverse("live:upcoming_panel"), {"anonymous": LOGIN, **everyone}, htmx=True)
    expect(people, "get", reverse("live:settings"), {"anonymous": LOGIN, **everyone})
    expect(people, "get", reverse("live:nav_badge"), {"anonymous": LOGIN, **everyone}, htmx=True)
    expect(
        people,
        "get",
        reverse("live:pending_requests"),
        {"anonymous": LOGIN, "student": 403, "other_student": 403, "teacher": 200, "other_teacher": 200, "staff": 403},
        htmx=True,
    )


def test_availability_pages_are_for_teachers(people):
    teachers_only = {"anonymous": LOGIN, "student": 403, "teacher": 200, "other_teacher": 200, "staff": 403}
    expect(people, "get", reverse("live:availability"), teachers_only)
    invalid_form = {**teachers_only, "teacher": 422, "other_teacher": 422}
    expect(people, "post", reverse("live:hours_add"), invalid_form, data={})


def test_the_booking_widget_is_public_and_booking_is_for_students(people, london_teacher):
    url = reverse("live:booking_widget", args=[london_teacher.teacher_profile.slug])
    expect(people, "get", url, dict.fromkeys(people, 200))
    book = reverse("live:book", args=[london_teacher.teacher_profile.slug])
    expect(
        people,
        "post",
        book,
        {"anonymous": LOGIN, "teacher": 403, "other_teacher": 403, "staff": 403},
        data={"slot": KEY},
    )
    assert not LiveClass.objects.exists()


def test_class_pages_are_for_participants_and_staff(people, confirmed):
    for name in ("live:class_detail", "live:class_card", "live:reschedule"):
        url = reverse(name, args=[confirmed.pk])
        table = {
            "anonymous": LOGIN,
            "student": 200,
            "other_student": 403,
            "teacher": 200,
            "other_teacher": 403,
            "staff": 200,
        }
        expect(people, "get", url, table, htmx=name == "live:class_card")
    ics = reverse("live:class_ics", args=[confirmed.pk])
    expect(
        people,
        "get",
        ics,
        {"anonymous": LOGIN, "student": 200, "other_student": 403, "teacher": 200, "other_teacher": 403, "staff": 403},
    )


def test_fragments_opened_without_htmx_lead_to_their_whole_page(people, confirmed, london_teacher):
    """A fragment URL opened directly (bookmark, new tab) would be a document without a
    title or language (axe document-title, html-has-lang): it redirects to its page."""
    pages = {
        reverse("live:upcoming_panel"): reverse("live:my_classes"),
        reverse("live:nav_badge"): reverse("live:my_classes"),
        reverse("live:pending_requests"): reverse("live:my_classes"),
        reverse("live:class_card", args=[confirmed.pk]): reverse("live:class_detail", args=[confirmed.pk]),
    }
    client = client_for(london_teacher)
    for fragment, page in pages.items():
        response = client.get(fragment, follow=True)
        assert response.redirect_chain == [(page, 302)], fragment
        html = response.content.decode()
        assert '<html lang="en-gb"' in html and "<title>" in html, fragment
    # Access is still checked, by the page: a student never sees the teacher's requests.
    assert client_for(people["student"]).get(reverse("live:pending_requests")).status_code == 403
    other = client_for(people["other_student"]).get(reverse("live:class_card", args=[confirmed.pk]), follow=True)
    assert other.status_code == 403


def test_only_participants_ever_see_the_link(people, confirmed, clock):
    clock.move_to(SLOT - timedelta(minutes=5))
    url = reverse("live:class_detail", args=[confirmed.pk])
    join = reverse("live:join", args=[confirmed.pk])
    for who in ("student", "teacher"):
        html = client_for(people[who]).get(url).content.decode()
        # The link is a "Join class" button (a form posting to the join view), never a raw URL.
        assert f'action="{join}"' in html and ">Join class</button>" in html
        assert confirmed.meeting_url not in html
    staff_html = client_for(people["staff"]).get(url).content.decode()
    assert confirmed.meeting_url not in staff_html and f'action="{join}"' not in staff_html
    assert client_for(people["student"]).post(join).url == confirmed.meeting_url
    staff_join = client_for(people["staff"]).post(join)
    assert staff_join.status_code == 302 and staff_join.url == url  # back to the page, with an error message
    for who in ("anonymous", "other_student", "other_teacher"):
        response = client_for(people[who]).post(join)
        assert response.status_code in (302, 403) and confirmed.meeting_url not in response.get("Location", "")


def test_teacher_actions_need_the_classes_teacher(people, pending):
    for name in ("live:approve", "live:reject"):
        expect(
            people,
            "post",
            reverse(name, args=[pending.pk]),
            {"anonymous": LOGIN, "student": 403, "other_student": 403, "other_teacher": 403},
            data={"reason": "no"},
        )
    assert LiveClass.objects.get(pk=pending.pk).status == "pending"
    for name in ("live:attendance", "live:recording"):
        expect(
            people,
            "post",
            reverse(name, args=[pending.pk]),
            {"anonymous": LOGIN, "student": 403, "other_student": 403, "other_teacher": 403},
        )


def test_cancel_and_dispute_need_a_participant(people, confirmed):
    for name in ("live:cancel", "live:dispute"):
        expect(
            people,
            "post",
            reverse(name, args=[confirmed.pk]),
            {"anonymous": LOGIN, "other_student": 403, "other_teacher": 403},
            data={"reason": "Something is wrong here"},
        )
    assert LiveClass.objects.get(pk=confirmed.pk).status == "confirmed"


def test_group_and_feed_urls(people, confirmed):
    for name in ("live:group_register", "live:group_leave"):
        table = {"anonymous": LOGIN, "teacher": 403, "other_teacher": 403, "staff": 403, "student": 404}
        expect(people, "post", reverse(name, args=[confirmed.pk]), table)  # a private class is not a group class
    expect(
        people,
        "post",
        reverse("live:feed_rotate"),
        {"anonymous": LOGIN, "student": 302, "teacher": 302, "staff": 302},
    )
    assert client_for(None).get(reverse("live:feed", args=["not-a-token"])).status_code == 404


def test_group_class_scheduling_is_for_the_courses_teachers(people, clock, london_teacher):
    from courses.tests.factories import make_course

    course = make_course(london_teacher, modules=1, lessons=1, quiz_in_last=False)
    url = reverse("live:group_create", args=[course.pk])
    expect(
        people,
        "get",
        url,
        {"anonymous": LOGIN, "student": 403, "teacher": 200, "other_teacher": 403, "staff": 403},
    )
    data = {"title": "", "date": "2026-03-10", "time": "18:00", "minutes": "60", "capacity": "8"}
    response = client_for(london_teacher).post(url, data)
    live_class = LiveClass.objects.get(kind="group")
    assert response.status_code == 302 and response.url == live_class.get_absolute_url()
    assert live_class.start.isoformat() == "2026-03-10T18:00:00+00:00"  # 18:00 London (GMT)
    response = client_for(people["other_teacher"]).post(url, data)
    assert response.status_code == 200 and "courses you teach" in response.content.decode()


# --- The booking flow through HTMX ----------------------------------------------------


def test_widget_shows_slots_in_the_viewers_zone(student, london_teacher):
    student.time_zone = "America/New_York"
    student.save()
    url = reverse("live:booking_widget", args=[london_teacher.teacher_profile.slug])
    html = client_for(student, htmx=True).get(url).content.decode()
    # Tuesday 3 March, 10:00 in London (GMT) is 05:00 in New York (EST, five hours behind);
    # the teacher's first hour, 09:00, is 04:00.
    assert f'value="{KEY}"' in html and "America/New_York" in html
    assert ">04:00<" in html and ">05:00<" in html
    # The next week the US is on summer time and the UK is not: four hours apart.
    html = client_for(student, htmx=True).get(url + "?week=1").content.decode()
    assert 'value="2026-03-10T09:00Z"' in html and ">05:00<" in html and ">04:00<" not in html


def test_widget_groups_times_by_day_and_shows_who_may_pick_them(people, london_teacher):
    """One fieldset named by its day per day (issue 18, item 6); visitors see the times
    disabled and a link to log in, other roles disabled times and why."""
    from bs4 import BeautifulSoup

    url = reverse("live:booking_widget", args=[london_teacher.teacher_profile.slug])

    def widget(who):
        return BeautifulSoup(client_for(people[who], htmx=True).get(url).content, "html.parser")

    html = widget("student")
    days = html.select("fieldset fieldset")
    # Monday 2 March from 10:00 (two hours' notice), then the rest of the teacher's working week.
    assert [day.legend.get_text(strip=True) for day in days] == [
        "Monday 2 March",
        "Tuesday 3 March",
        "Wednesday 4 March",
        "Thursday 5 March",
        "Friday 6 March",
    ]
    assert [label.get_text(strip=True) for label in days[1].select("label")][:2] == ["09:00", "10:00"]
    radios = html.select('input[type="radio"]')
    assert radios and all(radio["name"] == "slot" and not radio.has_attr("disabled") for radio in radios)
    assert not html.find("a", string="Log in to book")

    html = widget("anonymous")
    assert all(radio.has_attr("disabled") for radio in html.select('input[type="radio"]'))
    log_in = html.find("a", string="Log in to book")
    assert log_in["href"] == f"/accounts/login/?next={url}"
    assert not html.find("button", string="Request this time")

    for who in ("teacher", "staff"):
        html = widget(who)
        assert all(radio.has_attr("disabled") for radio in html.select('input[type="radio"]'))
        assert "Only students can book classes." in html.get_text() and not html.find("a", string="Log in to book")


def test_student_books_through_htmx_and_sees_a_clear_error_for_bad_input(student, london_teacher):
    url = reverse("live:book", args=[london_teacher.teacher_profile.slug])
    client = client_for(student, htmx=True)
    for bad, message in [
        ("garbage", "Choose one of the free times"),
        ("2026-03-03T10:07Z", "not one of"),
        ("2026-03-03T22:00Z", "not one of"),
        ("2026-02-01T10:00Z", "already passed"),
    ]:
        response = client.post(url, {"slot": bad, "note": "hi"})
        assert response.status_code == 422 and message in response.content.decode()
    assert not LiveClass.objects.exists()
    response = client.post(url, {"slot": KEY, "note": "Fractions"})
    assert response.status_code == 200 and "Request sent" in response.content.decode()
    assert LiveClass.objects.get().participants.get().note == "Fractions"
    again = client_for(make_user(Role.STUDENT), htmx=True).post(url, {"slot": KEY})
    assert again.status_code == 422 and "just taken" in again.content.decode()


def test_booking_without_javascript_redirects(student, london_teacher):
    url = reverse("live:book", args=[london_teacher.teacher_profile.slug])
    response = client_for(student).post(url, {"slot": KEY})
    live_class = LiveClass.objects.get()
    assert response.status_code == 302 and response.url == live_class.get_absolute_url()


def test_teacher_approves_from_the_pending_fragment(pending, london_teacher, django_capture_on_commit_callbacks):
    client = client_for(london_teacher, htmx=True)
    html = client.get(reverse("live:pending_requests")).content.decode()
    assert "Sam Student" in html and "Algebra, please" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("live:approve", args=[pending.pk]), {"from": "pending"})
    assert response.status_code == 200 and "Confirmed." in response.content.decode()
    assert "No requests waiting" in response.content.decode()
    response = client.post(reverse("live:approve", args=[pending.pk]), {"from": "pending"})
    assert response.status_code == 422 and "already confirmed" in response.content.decode()


def test_reject_needs_a_reason(pending, london_teacher):
    client = client_for(london_teacher, htmx=True)
    response = client.post(reverse("live:reject", args=[pending.pk]), {"reason": ""})
    assert response.status_code == 422 and "why" in response.content.decode()


def test_reschedule_through_the_page(confirmed, student):
    url = reverse("live:reschedule", args=[confirmed.pk])
    client = client_for(student)
    assert "Choose a new time" in client.get(url).content.decode()
    new = (SLOT + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%MZ")
    response = client.post(url, {"slot": new})
    assert response.status_code == 302
    assert LiveClass.objects.get(pk=confirmed.pk).sequence == 1


def test_availability_editing_in_place(london_teacher):
    client = client_for(london_teacher, htmx=True)
    response = client.post(reverse("live:hours_add"), {"weekday": "5", "start_time": "10:00", "end_time": "12:00"})
    assert response.status_code == 200 and "Saturday 10:00–12:00" in response.content.decode()
    response = client.post(reverse("live:hours_add"), {"weekday": "5", "start_time": "11:00", "end_time": "13:00"})
    assert response.status_code == 422 and "overlap" in response.content.decode()
    response = client.post(reverse("live:exception_add"), {"day": "2026-03-04"})
    assert response.status_code == 200 and "day off" in response.content.decode()
    response = client.post(
        reverse("live:availability"),
        {
            "accepting": "on",
            "class_minutes": "45",
            "buffer_minutes": "10",
            "min_notice_hours": "4",
            "max_days_ahead": "30",
        },
    )
    assert response.status_code == 200 and "Saved." in response.content.decode()
    london_teacher.availability.refresh_from_db()
    assert london_teacher.availability.class_minutes == 45


def test_calendar_feed_lists_the_users_classes(confirmed, student, other_teacher):
    token = services.live_preferences_ensure(user=student).feed_token
    response = client_for(None).get(reverse("live:feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"{confirmed.uid}@lyceum" and event.decoded("dtstart") == SLOT
    services.feed_token_rotate(user=student)
    assert client_for(None).get(reverse("live:feed", args=[token])).status_code == 404


def test_dashboards_and_nav_show_live_panels(pending, london_teacher, student):
    from django.test import RequestFactory

    from lms.infra import panels

    request = RequestFactory().get("/")
    request.user = london_teacher
    assert "pending request" in panels.render_slot("nav", request)
    assert "Sam Student" in panels.render_slot("teacher_dashboard", request)
    request.user = student
    assert "Live class with Tess Teacher" in panels.render_slot("student_dashboard", request)
    profile_html = panels.render_slot("teacher_profile", request, teacher=london_teacher)
    assert "Book a live class" in profile_html


def test_staff_queue_and_settings_in_django_admin(confirmed, student, superuser):
    services.dispute_raise(user=student, live_class_id=confirmed.pk, reason="The time was wrong in my calendar.")
    client = client_for(superuser)
    for url in (
        "/admin/live/dispute/",
        "/admin/live/liveclass/",
        f"/admin/live/liveclass/{confirmed.pk}/change/",
        "/admin/live/meetingsettings/",
        "/admin/live/availability/",
    ):
        assert client.get(url).status_code == 200, url
    dispute_id = confirmed.disputes.get().pk
    response = client.post("/admin/live/dispute/", {"action": "resolve", "_selected_action": [dispute_id]}, follow=True)
    assert response.status_code == 200
    assert confirmed.disputes.get().status == "resolved"


def test_raising_a_dispute_from_the_class_panel(student, confirmed):
    client = client_for(student, htmx=True)
    url = reverse("live:dispute", args=[confirmed.pk])
    response = client.post(url, {"reason": "too short"})
    assert response.status_code == 422
    assert "Describe the problem in a sentence or two." in response.content.decode()
    assert not confirmed.disputes.exists()

    response = client.post(url, {"reason": "The class time was wrong in my calendar."})
    assert response.status_code == 200
    assert "Raised with staff. They will get back to you." in response.content.decode()
    assert confirmed.disputes.get().raised_by == student


def test_a_recording_link_before_the_class_started_is_refused_with_a_message(london_teacher, confirmed):
    response = client_for(london_teacher).post(
        reverse("live:recording", args=[confirmed.pk]), {"recording_url": "https://video.example/r/1"}, follow=True
    )
    assert "A recording can be added once a confirmed class has started." in response.content.decode()
    assert LiveClass.objects.get(pk=confirmed.pk).recording_url == ""
