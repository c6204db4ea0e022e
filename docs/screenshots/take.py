"""Screenshots of the main pages at desktop and phone widths, from the demo data.

    .venv/bin/python docs/screenshots/take.py before     # or: after
    .venv/bin/python docs/screenshots/take.py ar         # home, catalog, lesson, booking in Arabic (or hi, es)

Loads the demo data into a throwaway database of its own (`--database-url`, by default the
PostgreSQL database `lyceum_shots`, dropped and created again), serves the app with
uvicorn as the browser tests do (lms/tests/servers.py), signs in as the demo accounts and
writes one viewport screenshot per page and width to docs/screenshots/<label>/, as PNGs of
at most 256 colours. Needs chromium (/usr/bin/chromium, or CHROMIUM_PATH) and Playwright.
"""

import argparse
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# A visitor's zone: the pages show the same times whoever takes the screenshots.
TIME_ZONE = "Europe/London"


def fresh_database(url: str) -> None:
    """Drop and create the database `url` names (PostgreSQL), or delete the file (SQLite)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        Path(parts.path[1:] if parts.path.startswith("//") else parts.path).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pages() -> list[tuple[str, str | None, str]]:
    """(name, who is signed in, path) for every screenshot, read from the demo data."""
    from django.db.models import Q

    from chat.models import Conversation
    from courses.models import CourseIndexPage, CoursePage, Enrollment, LessonPage
    from lms.models import User

    student = User.objects.get(email="student@lyceum.test")
    teacher = User.objects.get(email="teacher@lyceum.test")
    enrollment = Enrollment.objects.filter(student=student).order_by("pk").first()
    course = enrollment.course.specific if enrollment else CoursePage.objects.live().first()
    lesson = LessonPage.objects.live().descendant_of(course).first() if course else None
    conversation = Conversation.objects.filter(Q(user_low=student) | Q(user_high=student)).order_by("pk").first()
    shots = [
        ("home", None, "/"),
        ("catalog", None, CourseIndexPage.objects.live().first().url),
        ("course", None, course.url),
        ("lesson", "student", lesson.url if lesson else None),
        ("dashboard-student", "student", "/dashboard/student/"),
        ("dashboard-teacher", "teacher", "/dashboard/teacher/"),
        ("dashboard-staff", "staff", "/dashboard/staff/"),
        ("booking", "student", f"/live/teachers/{teacher.teacher_profile.slug}/"),
        ("chat", "student", f"/chat/{conversation.pk}/" if conversation else "/chat/"),
        ("billing", "student", "/billing/history/"),
    ]
    return [shot for shot in shots if shot[2]]


def small_png(png: bytes) -> bytes:
    """The screenshot in at most 256 colours, compressed as far as PNG goes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    quantized = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, format="PNG", optimize=True)
    return out.getvalue()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


# In another language: the pages issue 19 asks to show.
LANGUAGE_SHOTS = ("home", "catalog", "lesson", "booking")


def shoot(base_url: str, out_dir: Path, password: str, language: str = "") -> list[Path]:
    from django.conf import settings
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from lms.models import User
    from lms.tests.servers import CHROMIUM_ARGS

    accounts = {role: f"{role}@lyceum.test" for role in ("student", "teacher", "staff")}
    # Before Playwright's event loop runs in this thread:
    shots = [shot for shot in pages() if not language or shot[0] in LANGUAGE_SHOTS]
    if language:  # each demo account reads the site in it, as chosen on their profile
        User.objects.filter(email__in=accounts.values()).update(language=language)
    zones = {role: User.objects.get(email=email).time_zone for role, email in accounts.items()}
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")), args=CHROMIUM_ARGS
        )
        for width_name, (width, height) in WIDTHS.items():
            contexts = {}
            for name, who, path in shots:
                if who not in contexts:
                    # Each account's device in its own profile's zone (no "your device is
                    # set to another zone" notice), a visitor's in the demo's.
                    zone = zones.get(who, TIME_ZONE)
                    context = browser.new_context(
                        base_url=base_url,
                        viewport={"width": width, "height": height},
                        timezone_id=zone,
                        locale="en-GB",
                        reduced_motion="reduce",
                    )
                    # The zone cookie lyceum.js would set, so no first page loads twice.
                    cookies = [{"name": "tz", "value": quote(zone, safe=""), "url": base_url}]
                    if language:  # the language menu's cookie (the demo accounts choose none)
                        cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url})
                    context.add_cookies(cookies)
                    context.set_default_timeout(15_000)
                    contexts[who] = context.new_page()
                    if who:
                        sign_in(contexts[who], accounts[who], password)
                page = contexts[who]
                page.goto(path)
                # A page that keeps polling is shot as it is.
                with contextlib.suppress(PlaywrightTimeout):
                    page.wait_for_load_state("networkidle", timeout=5_000)
                page.evaluate("document.fonts.ready.then(() => true)")  # Hindi/Arabic web fonts loaded
                page.wait_for_timeout(300)
                target = out_dir / f"{name}-{width_name}.png"
                target.write_bytes(small_png(page.screenshot()))
                written.append(target)
                print(f"  {target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB")
            for page in contexts.values():
                page.context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "label",
        choices=["before", "after", "es", "hi", "ar"],
        help="the folder under docs/screenshots/: before or after a change, or a language's code",
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/lyceum_shots",
        help="a throwaway database: it is dropped and created again (default: %(default)s)",
    )
    parser.add_argument("--reuse-database", action="store_true", help="shoot the database as it is, without reloading")
    args = parser.parse_args()

    # The test settings (DEBUG on, the local test payment provider, mail kept in memory,
    # tasks run at once) on the throwaway database, with its own media folder and
    # in-memory cache and channels.
    tmp = Path(tempfile.mkdtemp(prefix="lyceum-shots-"))
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lms.config.settings_test",
        DATABASE_URL=args.database_url,
        TEST_MEDIA_ROOT=str(tmp / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from lms.management.commands.load_demo_data import DEMO_PASSWORD
    from lms.tests import servers

    if not args.reuse_database:
        print(f"Loading the demo data into {args.database_url} …")
        fresh_database(args.database_url)
        logging.disable(logging.INFO)
        with open(os.devnull, "w") as quiet:
            call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
            call_command("load_demo_data", stdout=quiet)

    out_dir = HERE / args.label
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    process, url = servers.start_asgi({}, tmp / "server.log")
    try:
        print(f"Shooting {url} into {out_dir.relative_to(ROOT)}/")
        shoot(url, out_dir, DEMO_PASSWORD, language=args.label if args.label not in {"before", "after"} else "")
    finally:
        servers.stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
