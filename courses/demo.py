"""Demo courses: categories, teachers, 12 courses with modules, lessons, videos and quizzes,
and students part-way through. Idempotent; everything goes through the services."""

import json
import random
import uuid
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw
from wagtail.images import get_image_model

from courses import services
from courses.models import Category, CoursePage, Enrollment, LessonPage, ModulePage
from lms.models import HomePage, Role, User

CATEGORIES = [
    # slug, name, parent slug
    ("programming", "Programming", None),
    ("python", "Python", "programming"),
    ("web", "Web development", "programming"),
    ("mathematics", "Mathematics", None),
    ("algebra", "Algebra", "mathematics"),
    ("statistics", "Statistics", "mathematics"),
    ("languages", "Languages", None),
    ("science", "Science", None),
]

TEACHERS = [
    ("teacher@lyceum.test", "Ada Lovelace", "Europe/London"),
    ("grace@lyceum.test", "Grace Hopper", "America/New_York"),
    ("emmy@lyceum.test", "Emmy Noether", "Europe/Berlin"),
    ("marie@lyceum.test", "Marie Curie", "Europe/Paris"),
]
STUDENTS = [
    ("student@lyceum.test", "Sam Student", "Europe/London"),
    ("lin@lyceum.test", "Lin Chen", "Asia/Singapore"),
    ("amara@lyceum.test", "Amara Okafor", "Africa/Lagos"),
    ("diego@lyceum.test", "Diego Alvarez", "America/Mexico_City"),
    ("priya@lyceum.test", "Priya Patel", "Asia/Kolkata"),
]

# What the description says about who a course is for (the summary says what it is about).
LEVEL_NOTES = {
    "beginner": "No experience needed: we start from the very beginning.",
    "intermediate": "For learners who know the basics and want to go further.",
    "advanced": "For experienced learners ready for a demanding course.",
}

# Public lecture videos; players are built from the URL, so nothing is fetched.
VIDEOS = [
    "https://www.youtube.com/watch?v=rfscVS0vtbw",
    "https://www.youtube.com/watch?v=kqtD5dpn9C8",
    "https://www.youtube.com/watch?v=NybHckSEQBI",
    "https://www.youtube.com/watch?v=LwCRRUa8yTU",
    "https://youtu.be/8mAITcNt710",
    "https://vimeo.com/76979871",
]

# title, category, level, price, teacher email, summary, outcomes, modules [(title, [lesson titles])]
COURSES = [
    (
        "Python from Scratch",
        "python",
        "beginner",
        "0",
        "teacher@lyceum.test",
        "Write your first real programs in Python: variables, loops, functions and files.",
        ["Read and write Python programs", "Use lists, dictionaries and loops", "Split a program into functions"],
        [
            ("Getting started", ["Installing Python", "Your first program", "Variables and types"]),
            ("Making decisions", ["If and else", "Loops that repeat", "Lists and dictionaries"]),
            ("Building programs", ["Functions", "Reading and writing files"]),
        ],
    ),
    (
        "Algorithms in Practice",
        "programming",
        "intermediate",
        "49",
        "teacher@lyceum.test",
        "Sorting, searching and graphs, explained with pictures and working code.",
        ["Compare algorithms with big-O", "Implement binary search and merge sort", "Walk a graph breadth-first"],
        [
            ("Measuring algorithms", ["What big-O means", "Binary search"]),
            ("Sorting", ["Insertion sort", "Merge sort"]),
            ("Graphs", ["Representing graphs", "Breadth-first search"]),
        ],
    ),
    (
        "Data Analysis with Python",
        "python",
        "intermediate",
        "0",
        "grace@lyceum.test",
        "Clean, explore and chart real data sets with Python's standard tools.",
        ["Load CSV data", "Summarise data with statistics", "Draw a clear chart"],
        [
            ("Data in", ["Reading CSV files", "Cleaning messy values"]),
            ("Insight out", ["Summary statistics", "Charts that tell the truth"]),
        ],
    ),
    (
        "HTML and CSS Foundations",
        "web",
        "beginner",
        "0",
        "grace@lyceum.test",
        "Build accessible web pages with semantic HTML and modern CSS layout.",
        ["Structure a page with semantic HTML", "Lay out pages with flexbox and grid", "Check accessibility"],
        [
            ("HTML", ["Elements and attributes", "Semantic structure", "Forms that everyone can use"]),
            ("CSS", ["Selectors and the cascade", "Flexbox", "Grid layout"]),
        ],
    ),
    (
        "JavaScript for the Browser",
        "web",
        "intermediate",
        "29",
        "grace@lyceum.test",
        "Make pages interactive: the DOM, events and fetching data without freezing the page.",
        ["Change the page with the DOM", "Respond to events", "Fetch data asynchronously"],
        [
            ("The language", ["Values and functions", "Objects and arrays"]),
            ("The page", ["The DOM", "Events", "Fetching data"]),
        ],
    ),
    (
        "Algebra Essentials",
        "algebra",
        "beginner",
        "0",
        "emmy@lyceum.test",
        "Expressions, equations and graphs: the algebra every other subject builds on.",
        ["Simplify expressions", "Solve linear equations", "Sketch straight-line graphs"],
        [
            ("Expressions", ["Letters for numbers", "Expanding brackets", "Factorising"]),
            ("Equations", ["Solving linear equations", "Straight-line graphs"]),
        ],
    ),
    (
        "Linear Algebra for Machine Learning",
        "algebra",
        "advanced",
        "79",
        "emmy@lyceum.test",
        "Vectors, matrices and eigenvalues with an eye on how learning algorithms use them.",
        ["Compute with vectors and matrices", "Understand linear maps", "Use eigenvectors"],
        [
            ("Vectors", ["Vectors and their length", "Dot products"]),
            ("Matrices", ["Matrices as maps", "Matrix multiplication", "Eigenvalues"]),
        ],
    ),
    (
        "Statistics Without Fear",
        "statistics",
        "beginner",
        "0",
        "emmy@lyceum.test",
        "Averages, spread, probability and what a p-value does (and does not) tell you.",
        ["Describe data with averages and spread", "Reason with probability", "Read a hypothesis test"],
        [
            ("Describing data", ["Mean, median and mode", "Measuring spread"]),
            ("Probability", ["Chance and counting", "Hypothesis tests"]),
        ],
    ),
    (
        "Conversational French",
        "languages",
        "beginner",
        "19",
        "marie@lyceum.test",
        "Greet people, order food and talk about your day in everyday French.",
        ["Introduce yourself", "Order in a café", "Talk about the past"],
        [
            ("Bonjour", ["Greetings", "Numbers and time"]),
            ("Au quotidien", ["At the café", "Talking about yesterday"]),
        ],
    ),
    (
        "Chemistry of Everyday Life",
        "science",
        "beginner",
        "0",
        "marie@lyceum.test",
        "Atoms, reactions and why cooking, cleaning and batteries work the way they do.",
        ["Explain what atoms are made of", "Balance a chemical equation", "Explain acids and bases"],
        [
            ("Atoms", ["Inside the atom", "The periodic table"]),
            ("Reactions", ["Balancing equations", "Acids and bases"]),
        ],
    ),
    (
        "Physics of Motion",
        "science",
        "intermediate",
        "39",
        "marie@lyceum.test",
        "Forces, energy and momentum, with experiments you can do at home.",
        ["Use Newton's laws", "Track energy through a system", "Solve collision problems"],
        [
            ("Forces", ["Newton's laws", "Friction"]),
            ("Energy", ["Kinetic and potential energy", "Momentum"]),
        ],
    ),
    (
        "Web Apps with Django",
        "web",
        "advanced",
        "59",
        "teacher@lyceum.test",
        "Build and deploy a real web application with Django, from models to production.",
        ["Model data with the ORM", "Write views and templates", "Deploy safely"],
        [
            ("Foundations", ["Projects and apps", "Models and migrations"]),
            ("Pages", ["Views and URLs", "Templates"]),
            ("Shipping", ["Testing", "Deploying"]),
        ],
    ),
]


def _paragraphs(course_title: str, lesson_title: str, module_title: str) -> list[str]:
    return [
        f"<p>In this lesson of <em>{course_title}</em> we look at <strong>{lesson_title}</strong>, part of "
        f"“{module_title}”. Keep your notes from earlier lessons close.</p>",
        "<p>Start by watching the short video, then work through the example at your own pace. "
        "Pause whenever something is new: explaining an idea in your own words is the quickest way "
        "to find out whether you have really understood it.</p>",
        f"<h2>Key ideas</h2><ul><li>What “{lesson_title}” covers, and why it matters</li>"
        "<li>A worked example, step by step</li><li>The most common mistake, and how to avoid it</li></ul>",
        "<p>When you are done, try the exercise without looking back at the example. If you get stuck, "
        "re-read the key ideas above and try again. When it works, mark the lesson complete and move on.</p>",
    ]


def _quiz(course_title: str, lesson_title: str) -> dict:
    return {
        "type": "quiz",
        "id": str(uuid.uuid4()),
        "value": {
            "title": f"Quiz: {lesson_title}",
            "pass_mark": 60,
            "max_attempts": 3,
            "required": True,
            "questions": [
                {
                    "type": "item",
                    "id": str(uuid.uuid4()),
                    "value": {
                        "kind": "single",
                        "prompt": "What is the best first step when you meet a new idea in this course?",
                        "choices": [
                            {"type": "item", "id": str(uuid.uuid4()), "value": {"text": t, "correct": c}}
                            for t, c in [
                                ("Skip it and hope it is not in the quiz", False),
                                ("Explain it in your own words", True),
                                ("Memorise the slides word for word", False),
                            ]
                        ],
                        "true_false_answer": False,
                        "accepted_answers": "",
                        "feedback": "Explaining an idea is the quickest way to check you understand it.",
                    },
                },
                {
                    "type": "item",
                    "id": str(uuid.uuid4()),
                    "value": {
                        "kind": "true_false",
                        "prompt": f"“{course_title}” lets you take each lesson at your own pace.",
                        "choices": [],
                        "true_false_answer": True,
                        "accepted_answers": "",
                        "feedback": "Every lesson is self-paced; only quizzes have an attempt limit.",
                    },
                },
                {
                    "type": "item",
                    "id": str(uuid.uuid4()),
                    "value": {
                        "kind": "short",
                        "prompt": "Type the word “practice” to finish the quiz.",
                        "choices": [],
                        "true_false_answer": False,
                        "accepted_answers": "practice|practise",
                        "feedback": "Practice makes progress.",
                    },
                },
            ],
        },
    }


def _lesson_body(course_title: str, module_title: str, lesson_title: str, n: int, with_quiz: bool) -> str:
    paragraphs = _paragraphs(course_title, lesson_title, module_title)
    body = [
        {"type": "paragraph", "id": str(uuid.uuid4()), "value": paragraphs[0]},
        {
            "type": "video",
            "id": str(uuid.uuid4()),
            "value": {"url": VIDEOS[n % len(VIDEOS)], "title": lesson_title},
        },
        {"type": "paragraph", "id": str(uuid.uuid4()), "value": paragraphs[1] + paragraphs[2]},
        {
            "type": "callout",
            "id": str(uuid.uuid4()),
            "value": {
                "kind": "tip",
                "text": "<p>Set a timer for 25 minutes and give this lesson your full attention.</p>",
            },
        },
    ]
    if "python" in course_title.lower() or "django" in course_title.lower() or "algorithm" in course_title.lower():
        body.append(
            {
                "type": "code",
                "id": str(uuid.uuid4()),
                "value": {"language": "python", "code": f'def main():\n    print("{lesson_title}")\n\n\nmain()\n'},
            }
        )
    body.append({"type": "paragraph", "id": str(uuid.uuid4()), "value": paragraphs[3]})
    if with_quiz:
        body.append(_quiz(course_title, lesson_title))
    return json.dumps(body)


# --- Generated covers (drawn at load time: no image files in the repository) -------------------

# subject (a category's slug, else its parent's) → (from colour, to colour, motif)
COVER_STYLES = {
    "programming": ((30, 27, 75), (8, 145, 178), "code"),
    "web": ((49, 46, 129), (192, 38, 211), "windows"),
    "mathematics": ((180, 83, 9), (190, 24, 93), "geometry"),
    "statistics": ((15, 118, 110), (101, 163, 13), "bars"),
    "languages": ((6, 95, 70), (14, 130, 170), "speech"),
    "science": ((91, 33, 182), (37, 99, 235), "orbits"),
}
COVER_SIZE = (1280, 720)


def cover_jpeg(*, seed: str, subject: str) -> bytes:
    """A 1280×720 JPEG cover: the subject's gradient and motif, laid out by `seed` (a course's slug)."""
    start, end, motif = COVER_STYLES.get(subject, ((67, 56, 202), (99, 102, 241), "geometry"))
    rng = random.Random(seed)
    width, height = COVER_SIZE
    across = PILImage.linear_gradient("L").rotate(90).resize(COVER_SIZE)
    down = PILImage.linear_gradient("L").resize(COVER_SIZE)
    mask = ImageChops.add(across.point(lambda v: v * 0.6), down.point(lambda v: v * 0.4))
    image = PILImage.composite(PILImage.new("RGB", COVER_SIZE, end), PILImage.new("RGB", COVER_SIZE, start), mask)
    layer = PILImage.new("RGBA", COVER_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)

    def white(alpha: int) -> tuple[int, int, int, int]:
        return (255, 255, 255, alpha)

    if motif == "code":
        y = 110
        while y < height - 80:
            x = 140 + 60 * rng.randint(0, 3)
            for _ in range(rng.randint(1, 3)):
                length = rng.randint(80, 320)
                draw.rounded_rectangle((x, y, x + length, y + 26), radius=13, fill=white(rng.choice((50, 80, 120))))
                x += length + 24
            y += 58
        for tip, back in ((width - 420, width - 330), (width - 100, width - 190)):  # ⟨ ⟩
            draw.line([(back, 200), (tip, 360), (back, 520)], fill=white(150), width=22, joint="curve")
    elif motif == "windows":  # browser windows
        for n in range(3):
            x, y = 140 + n * 250 + rng.randint(-30, 30), 90 + n * 110 + rng.randint(-20, 20)
            w, h = rng.randint(520, 640), rng.randint(300, 380)
            frame = (x, y, x + w, y + h)
            draw.rounded_rectangle(frame, radius=22, fill=white(40 + 25 * n), outline=white(150), width=4)
            draw.line([(x, y + 52), (x + w, y + 52)], fill=white(150), width=4)
            for dot in range(3):
                cx = x + 34 + dot * 30
                draw.ellipse((cx - 8, y + 18, cx + 8, y + 34), fill=white(170))
    elif motif == "bars":  # a bar chart and its trend
        baseline, left = height - 110, 150
        tops = []
        for n in range(9):
            top = baseline - rng.randint(80, 430)
            x = left + n * 115
            draw.rounded_rectangle((x, top, x + 70, baseline), radius=12, fill=white(rng.choice((60, 90, 120))))
            tops.append((x + 35, top))
        draw.line(tops, fill=white(200), width=8, joint="curve")
        draw.line([(left - 30, baseline + 12), (width - 120, baseline + 12)], fill=white(150), width=6)
    elif motif == "geometry":
        for _ in range(7):
            x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(60, 220)
            draw.ellipse((x - r, y - r, x + r, y + r), outline=white(110), width=10)
        for _ in range(3):
            x, y, s = rng.randint(100, width - 100), rng.randint(100, height - 100), rng.randint(90, 200)
            draw.polygon([(x, y - s), (x + s, y + s * 0.7), (x - s, y + s * 0.7)], fill=white(45))
        for gx in range(80, width, 80):
            for gy in range(80, height, 80):
                draw.ellipse((gx - 3, gy - 3, gx + 3, gy + 3), fill=white(60))
    elif motif == "speech":
        for _ in range(6):
            x, y = rng.randint(40, width - 380), rng.randint(40, height - 220)
            w, h = rng.randint(220, 360), rng.randint(110, 170)
            alpha = rng.choice((50, 80, 110))
            draw.rounded_rectangle((x, y, x + w, y + h), radius=40, fill=white(alpha))
            tail = x + 60 if rng.random() < 0.5 else x + w - 60
            draw.polygon([(tail - 20, y + h), (tail + 20, y + h), (tail, y + h + 45)], fill=white(alpha))
    else:  # orbits
        cx, cy = width * 0.68, height * 0.5
        for angle in (0, 60, 120):
            orbit = PILImage.new("RGBA", (760, 760), (0, 0, 0, 0))
            ImageDraw.Draw(orbit).ellipse((40, 250, 720, 510), outline=white(140), width=10)
            orbit = orbit.rotate(angle + rng.randint(-8, 8), resample=PILImage.BICUBIC)
            layer.alpha_composite(orbit, (int(cx - 380), int(cy - 380)))
        draw.ellipse((cx - 46, cy - 46, cx + 46, cy + 46), fill=white(220))
        for _ in range(40):
            x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(2, 6)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=white(rng.randint(60, 160)))
    image = PILImage.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    out = BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


# Courses left without a cover, so the demo also shows the catalog's fallback.
COVERLESS = {"javascript-for-the-browser", "physics-of-motion"}


def _subject(category: str) -> str:
    """The category's own cover style, else its nearest parent's."""
    parents = {slug: parent for slug, _, parent in CATEGORIES}
    while category not in COVER_STYLES and parents.get(category):
        category = parents[category]
    return category


def _cover(*, slug: str, title: str, category: str, owner: User):
    """A new Wagtail image to be the course's cover (uploaded by its teacher), or None."""
    if slug in COVERLESS:
        return None
    image = get_image_model()(title=f"{title} (cover)", uploaded_by_user=owner)
    image.file = ImageFile(BytesIO(cover_jpeg(seed=slug, subject=_subject(category))), name=f"cover-{slug}.jpg")
    image.save()
    return image


# --- The home page's sections (lms/blocks.py), written once as an editor would -----------------

# The first is shown in the hero, the others below it.
HOME_FEATURED = ["python-from-scratch", "web-apps-with-django", "algebra-essentials", "conversational-french"]
HOME_TEACHER_PROFILES = {
    # email: (headline, subjects); the demo's first teacher has hers from load_demo_data
    "grace@lyceum.test": ("Programmer, and patient with beginners", ["Python", "Data", "Web"]),
    "emmy@lyceum.test": ("Algebra made visible", ["Algebra", "Linear algebra", "Statistics"]),
    "marie@lyceum.test": ("Chemistry, physics and French", ["Chemistry", "Physics", "French"]),
}
HOME_TESTIMONIALS = [
    (
        "I had tried to learn Python from videos three times. Here a real teacher answered my questions "
        "the same evening, and I finished the course.",
        "Lin Chen",
        "Student, Python from Scratch",
    ),
    (
        "The live group classes are the best part: small, friendly, and at a time that works in Lagos.",
        "Amara Okafor",
        "Student, Algebra Essentials",
    ),
    (
        "Short lessons, honest quizzes and a certificate my employer could check online.",
        "Diego Alvarez",
        "Student, Data Analysis with Python",
    ),
]


def _item(value) -> dict:
    return {"type": "item", "value": value, "id": str(uuid.uuid4())}


def _home_page_sections(*, courses: list[CoursePage], teachers: list[User], editor: User | None) -> bool:
    """Fill the home page with its sections, unless an editor already gave it some."""
    home = HomePage.objects.first()
    if home is None or any(block["type"] == "featured_courses" for block in home.body.raw_data):
        return False
    for teacher in teachers:
        headline, subjects = HOME_TEACHER_PROFILES.get(teacher.email, ("", []))
        profile = getattr(teacher, "teacher_profile", None)
        if profile is not None and headline and not profile.headline:
            profile.headline, profile.subjects = headline, subjects
            profile.save()
    by_slug = {course.slug: course for course in courses}

    def block(kind: str, value) -> dict:
        return {"type": kind, "value": value, "id": str(uuid.uuid4())}

    home.body = json.dumps(
        [
            block(
                "features",
                [
                    _item(
                        {
                            "title": "Courses by real teachers",
                            "text": "Lessons, videos and quizzes, with a certificate anyone can verify.",
                        }
                    ),
                    _item(
                        {
                            "title": "Live classes, your time zone",
                            "text": "Book a class in a few clicks; we handle daylight saving for you.",
                        }
                    ),
                    _item(
                        {"title": "Talk to your teacher", "text": "Real-time messages with the person who teaches you."}
                    ),
                ],
            ),
            block(
                "featured_courses",
                {
                    "heading": "Featured courses",
                    "courses": [_item(by_slug[slug].pk) for slug in HOME_FEATURED if slug in by_slug],
                },
            ),
            block("upcoming_classes", {"heading": "Upcoming live group classes", "count": 3}),
            block(
                "featured_teachers",
                {"heading": "Meet the teachers", "teachers": [_item(teacher.pk) for teacher in teachers]},
            ),
            block(
                "testimonials",
                {
                    "heading": "What students say",
                    "items": [_item({"quote": q, "name": n, "role": r}) for q, n, r in HOME_TESTIMONIALS],
                },
            ),
        ]
    )
    home.save_revision(user=editor).publish()
    return True


def _user(email: str, name: str, tz: str, role: str, admin: User) -> User:
    from lms.management.commands.load_demo_data import demo_user
    from lms.services import user_set_role

    user, _ = demo_user(email, name, tz)
    if user.role != role:
        user = user_set_role(actor=admin, user=user, role=role)
    return user


@transaction.atomic
def load(*, stdout) -> None:
    index = services.catalog_page_ensure()
    services.course_permissions_ensure()
    if index is None:
        stdout.write("courses: no home page, skipped.")
        return
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    categories = {}
    for slug, name, parent in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "parent": categories.get(parent)}
        )
    teachers = {email: _user(email, name, tz, Role.TEACHER, admin) for email, name, tz in TEACHERS}
    students = [_user(email, name, tz, Role.STUDENT, admin) for email, name, tz in STUDENTS]

    created = 0
    courses = []
    lesson_counter = 0
    for title, category, level, price, teacher_email, summary, outcomes, modules in COURSES:
        slug = title.lower().replace(" ", "-")
        course = CoursePage.objects.filter(slug=slug).first()
        if course is None:
            teacher = teachers[teacher_email]
            course = CoursePage(
                title=title,
                slug=slug,
                summary=summary,
                # The summary is shown above the description: the description does not repeat it.
                description=f"<p>{LEVEL_NOTES[level]}</p><p>Each module ends with a short quiz. Learn at "
                "your own pace: your progress is saved as you go.</p>",
                category=categories[category],
                level=level,
                price=Decimal(price),
                currency="GBP",
                learning_outcomes="\n".join(outcomes),
                estimated_hours=max(1, sum(len(lessons) for _, lessons in modules) // 2),
                owner=teacher,
                cover_image=_cover(slug=slug, title=title, category=category, owner=teacher),
            )
            course.teachers = [teacher]
            index.add_child(instance=course)
            course.save_revision(user=teacher).publish()
            for module_title, lesson_titles in modules:
                module = ModulePage(
                    title=module_title,
                    intro=f"{len(lesson_titles)} short lessons, each with a worked example.",
                    owner=teacher,
                )
                course.add_child(instance=module)
                module.save_revision(user=teacher).publish()
                for i, lesson_title in enumerate(lesson_titles):
                    lesson_counter += 1
                    lesson = LessonPage(
                        title=lesson_title,
                        duration_minutes=10 + 5 * (lesson_counter % 4),
                        free_preview=lesson_counter % 7 == 1,
                        body=_lesson_body(
                            title, module_title, lesson_title, lesson_counter, i == len(lesson_titles) - 1
                        ),
                        owner=teacher,
                    )
                    module.add_child(instance=lesson)
                    lesson.save_revision(user=teacher).publish()
            created += 1
        elif course.cover_image_id is None and slug not in COVERLESS:  # loaded before covers existed
            course.cover_image = _cover(slug=slug, title=title, category=category, owner=course.owner)
            course.save_revision(user=course.owner).publish()
        courses.append(course)

    # Students part-way through: each student takes a few free courses and gets some way in.
    free_courses = [c for c in courses if c.is_free]
    for s, student in enumerate(students):
        for c, course in enumerate(free_courses[s % 2 :: 2][:3]):
            if Enrollment.objects.filter(student=student, course=course).exists():
                continue
            services.enrollment_create(student=student, course=course, source=Enrollment.Source.FREE)
            lessons = list(LessonPage.objects.descendant_of(course).live().order_by("path"))
            for lesson in lessons[: (s + c + 1) % (len(lessons) + 1)]:
                if lesson.quiz is not None:
                    answers = {"0": ["1"], "1": ["true"], "2": ["practice"]}
                    services.quiz_submit(student=student, lesson=lesson, answers=answers)
                else:
                    services.lesson_complete(student=student, lesson=lesson, course=course)
    _cohort_demo(courses)
    home_filled = _home_page_sections(courses=courses, teachers=list(teachers.values()), editor=admin)
    stdout.write(f"courses: {created} new courses ({len(courses)} in all), {len(students)} students enrolled.")
    if home_filled:
        stdout.write("courses: the home page's sections are written (featured courses, teachers, classes).")


def _cohort_demo(courses: list[CoursePage]) -> None:
    """A cohort that started a week ago in the first course with students, and its last lesson
    set to open three weeks after the cohort's start."""
    course = next((c for c in courses if Enrollment.objects.filter(course=c).exists()), None)
    if course is None or course.cohorts.exists():
        return
    teacher = course.owner
    cohort = services.cohort_create(
        actor=teacher,
        course=course,
        name="Spring cohort",
        starts_at=timezone.now() - timedelta(days=7),
        time_zone=teacher.time_zone or "UTC",
    )
    for enrollment in Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE, cohort=None):
        services.cohort_assign(actor=teacher, enrollment=enrollment, cohort=cohort)
    last = LessonPage.objects.descendant_of(course).live().order_by("-path").first()
    if last is not None:
        last.release, last.release_days = LessonPage.Release.AFTER_COHORT_START, 21
        last.save_revision(user=teacher).publish()
