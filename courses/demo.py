"""Demo courses: categories, teachers, 12 courses with modules, lessons, videos and quizzes,
and students part-way through. Idempotent; everything goes through the services."""

import json
import uuid
from decimal import Decimal

from django.db import transaction

from courses import services
from courses.models import Category, CoursePage, Enrollment, LessonPage, ModulePage
from lms.models import Role, User

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
        f"<p>In this lesson of <em>{course_title}</em> we look at <strong>{lesson_title.lower()}</strong>. "
        f"It builds on what you met earlier in “{module_title}”, so keep your notes from the last lesson close.</p>",
        "<p>Start by watching the short video, then work through the example at your own pace. "
        "Pause whenever something is new: explaining an idea in your own words is the quickest way "
        "to find out whether you have really understood it.</p>",
        f"<h3>Key ideas</h3><ul><li>What {lesson_title.lower()} is, and why it matters</li>"
        "<li>A worked example, step by step</li><li>The most common mistake, and how to avoid it</li></ul>",
        "<p>When you are done, try the exercise without looking back at the example. If you get stuck, "
        "re-read the key ideas above, then mark the lesson complete and move on.</p>",
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
            "value": {"url": VIDEOS[n % len(VIDEOS)], "title": f"Video: {lesson_title}"},
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
                description=f"<p>{summary}</p><p>Each module ends with a short quiz, and you can "
                "learn at your own pace: your progress is saved as you go.</p>",
                category=categories[category],
                level=level,
                price=Decimal(price),
                currency="GBP",
                learning_outcomes="\n".join(outcomes),
                estimated_hours=max(1, sum(len(lessons) for _, lessons in modules) // 2),
                owner=teacher,
            )
            course.teachers = [teacher]
            index.add_child(instance=course)
            course.save_revision(user=teacher).publish()
            for module_title, lesson_titles in modules:
                module = ModulePage(
                    title=module_title, intro=f"{module_title}: {len(lesson_titles)} lessons.", owner=teacher
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
    stdout.write(f"courses: {created} new courses ({len(courses)} in all), {len(students)} students enrolled.")
