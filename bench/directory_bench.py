"""Tutor directory benchmark: /teachers/ with 5,000 tutors, distinct filter combinations per
request, against the floor in the same run.

Seeds a PostgreSQL database with 5,000 tutors (20 subjects, 6 levels, 10 languages, rates in
GBP and EUR, ratings, verified badges, free hours of the week from availability in several
time zones — bulk inserts, a few seconds), serves it as in production (DEBUG off, gunicorn
sync workers, Redis cache; the settings and the floor are the courses benchmark's,
bench/courses_settings.py) and drives it with wrk at 32 connections:

- floor: a fixed 20 KB page through all of the project's middleware;
- directory: visitors (each with a time-zone cookie) opening the directory with a distinct
  random combination of subject, level, language, price range and currency, "available when
  I am" periods, minimum rating, verified only, sort and page — 70 % of them htmx requests
  from the filters (only the results), no request twice;
- everyone: the worst case, "Recommended" over all 5,000 tutors with no filter (every tutor
  scored), pages 1–20 in turn.

Requests from the end of each scenario's list run once with a header that makes the server
count their SQL queries. Writes a Markdown table:

  /work/main/.venv/bin/python bench/directory_bench.py \\
      --database-url postgres://postgres@127.0.0.1:5432/lyceum_directory_bench \\
      --redis-url redis://127.0.0.1:6379/12 --out bench/directory_results.md

--reuse keeps an already seeded database. Needs PostgreSQL, Redis and wrk (apt-get install -y wrk).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.courses_bench import (  # noqa: E402 (after the path)
    BIN,
    SAMPLE,
    count_queries,
    free_port,
    raw_requests,
    recreate_database,
    result_row,
    run,
    tally,
    wrk,
)

SCENARIOS = ["floor", "directory", "everyone"]
LABELS = {
    "floor": "floor (fixed 20 KB page)",
    "directory": "directory, distinct filter combinations",
    "everyone": "directory, Recommended over all tutors (no filter)",
}
TARGETS = {"directory": (0.20, 100), "everyone": (0.20, 100)}
SUBJECTS = [
    "Mathematics", "Physics", "Chemistry", "Biology", "English", "Spanish", "French", "German", "History",
    "Geography", "Economics", "Computer science", "Music", "Art", "Philosophy", "Statistics", "Accounting",
    "Law", "Psychology", "Latin",
]  # fmt: skip
LEVELS = ["Primary", "Secondary", "GCSE", "A-level", "University", "Adult"]
LANGUAGES = [
    ("en", "English"), ("es", "Spanish"), ("fr", "French"), ("de", "German"), ("hi", "Hindi"), ("ar", "Arabic"),
    ("pt", "Portuguese"), ("zh", "Chinese"), ("it", "Italian"), ("ja", "Japanese"),
]  # fmt: skip
ZONES = [
    ("Europe/London", 0), ("Europe/Madrid", 1), ("America/New_York", -5), ("America/Los_Angeles", -8),
    ("Asia/Kolkata", 5), ("Asia/Dubai", 4), ("Asia/Tokyo", 9), ("Australia/Sydney", 11),
]  # fmt: skip
PERIOD_KEYS = [
    "weekday-morning", "weekday-afternoon", "weekday-evening", "weekend-morning", "weekend-afternoon",
    "weekend-evening",
]  # fmt: skip


def seed(tutor_count: int) -> None:
    """5,000 tutors in bulk (run inside Django, see main)."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from lms.models import Role, TeacherProfile, User
    from tutors.models import FreeHour, Level, SpokenLanguage, Subject, Tutor

    if Tutor.objects.count() >= tutor_count:
        return
    rng = random.Random(20)
    now = timezone.now()
    with transaction.atomic():
        subjects = Subject.objects.bulk_create(
            [Subject(name=name, slug=name.lower().replace(" ", "-")) for name in SUBJECTS]
        )
        levels = Level.objects.bulk_create(
            [Level(name=name, slug=name.lower(), position=n) for n, name in enumerate(LEVELS)]
        )
        languages = SpokenLanguage.objects.bulk_create([SpokenLanguage(code=c, name=n) for c, n in LANGUAGES])
        users = User.objects.bulk_create(
            [
                User(
                    email=f"tutor{n}@bench.example",
                    display_name=f"Tutor {n}",
                    role=Role.TEACHER,
                    time_zone=rng.choice(ZONES)[0],
                    password="!",
                )
                for n in range(tutor_count)
            ],
            batch_size=1000,
        )
        TeacherProfile.objects.bulk_create(
            [
                TeacherProfile(user=u, slug=f"tutor-{n}", headline=f"{rng.choice(SUBJECTS)} tutor")
                for n, u in enumerate(users)
            ],
            batch_size=1000,
        )
        tutors = Tutor.objects.bulk_create(
            [
                Tutor(
                    user=u,
                    currency="EUR" if rng.random() < 0.2 else "GBP",
                    rate_30=None,
                    rate_60=rng.randrange(1500, 9000, 100),
                    trial_price=rng.choice([None, 500, 1000]),
                    rating_count=(count := rng.choice([0, 0, 1, 3, 10, 25, 60, 120, 300])),
                    rating_average=round(rng.uniform(3.5, 5.0), 2) if count else 0,
                    response_rate=round(rng.uniform(0.5, 1.0), 3),
                    reliability=round(rng.uniform(0.8, 1.0), 3),
                    verified_at=now if rng.random() < 0.3 else None,
                    created_at=now - timedelta(days=rng.randrange(0, 900)),
                )
                for u in users
            ],
            batch_size=1000,
        )
        links = {"subjects": [], "levels": [], "languages": []}
        hours = []
        for tutor, user in zip(tutors, users, strict=True):
            for subject in rng.sample(subjects, rng.choice([1, 1, 2, 3])):
                links["subjects"].append(Tutor.subjects.through(tutor_id=tutor.pk, subject_id=subject.pk))
            for level in rng.sample(levels, rng.choice([1, 2, 3])):
                links["levels"].append(Tutor.levels.through(tutor_id=tutor.pk, level_id=level.pk))
            for language in [languages[0], *rng.sample(languages[1:], rng.choice([0, 1, 2]))]:
                links["languages"].append(Tutor.languages.through(tutor_id=tutor.pk, spokenlanguage_id=language.pk))
            # Weekly windows in the tutor's own zone (two to five days, a block of two to five
            # hours each), stored as UTC hours of the week — what free_hours_refresh keeps.
            offset = dict(ZONES)[user.time_zone]
            free = set()
            for day in rng.sample(range(7), rng.randint(2, 5)):
                start = rng.randint(7, 19)
                for hour in range(start, start + rng.randint(2, 5)):
                    free.add((day * 24 + hour - offset) % 168)
            hours += [FreeHour(tutor_id=tutor.pk, hour=h) for h in free]
        Tutor.subjects.through.objects.bulk_create(links["subjects"], batch_size=5000)
        Tutor.levels.through.objects.bulk_create(links["levels"], batch_size=5000)
        Tutor.languages.through.objects.bulk_create(links["languages"], batch_size=5000)
        FreeHour.objects.bulk_create(hours, batch_size=5000)
    print(f"seeded {tutor_count} tutors, {len(hours)} free hours", file=sys.stderr)


def plan(work: Path, count: int) -> dict:
    """Distinct directory requests, and the no-filter pages."""
    rng = random.Random(7)
    seen, lines = set(), []
    while len(lines) < count:
        query = []
        if rng.random() < 0.6:
            query.append(("subject", rng.choice(SUBJECTS).lower().replace(" ", "-")))
        if rng.random() < 0.3:
            query.append(("level", rng.choice(LEVELS).lower()))
        if rng.random() < 0.3:
            query.append(("language", rng.choice(LANGUAGES)[0]))
        if rng.random() < 0.3:
            if rng.random() < 0.4:
                query.append(("price_min", str(rng.choice([10, 20, 30]))))
            query.append(("price_max", str(rng.choice([30, 40, 50, 60, 80]))))
            query.append(("currency", rng.choice(["GBP", "GBP", "EUR"])))
        if rng.random() < 0.4:
            query += [("when", key) for key in rng.sample(PERIOD_KEYS, rng.randint(1, 3))]
        if rng.random() < 0.2:
            query.append(("rating", rng.choice(["3.5", "4", "4.5"])))
        if rng.random() < 0.15:
            query.append(("verified", "on"))
        query.append(("sort", rng.choices(["recommended", "price", "rating", "newest"], [55, 15, 15, 15])[0]))
        if rng.random() < 0.3:
            query.append(("page", str(rng.randint(2, 5))))
        path = "/teachers/?" + urllib.parse.urlencode(query)
        if path in seen:
            continue
        seen.add(path)
        headers = {"Cookie": f"tz={urllib.parse.quote(rng.choice(ZONES)[0], safe='')}"}
        if rng.random() < 0.7:
            headers |= {"HX-Request": "true", "HX-Target": "directory-results", "HX-Current-URL": "/teachers/"}
        lines.append(json.dumps(["GET", path, headers, ""]))
    (work / "directory.jsonl").write_text("\n".join(lines) + "\n")
    everyone = [json.dumps(["GET", f"/teachers/?page={n % 20 + 1}", {}, ""]) for n in range(200)]
    (work / "everyone.jsonl").write_text("\n".join(everyone) + "\n")
    (work / "floor.jsonl").write_text(json.dumps(["GET", "/bench/floor/", {}, ""]) + "\n")
    return {"directory": len(lines), "everyone": len(everyone)}


def drain(base: str) -> None:
    """Wait until the server has answered what a finished wrk run left queued: sync workers
    go on with the requests of closed connections, and a slow scenario's backlog would
    otherwise be timed as the next scenario's."""
    with urllib.request.urlopen(f"{base}/healthz", timeout=600):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lyceum_directory_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--tutors", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="per scenario and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--out", default=str(ROOT / "bench" / "directory_results.md"))
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        seed(args.tutors)
        return

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.courses_settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    work = Path(tempfile.mkdtemp(prefix="directory-bench-"))
    started = time.monotonic()
    if not args.reuse:
        print("Creating the database…", flush=True)
        recreate_database(args.database_url)
    run([str(BIN / "python"), "manage.py", "migrate", "--noinput"], env)
    run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput"], env)
    print(f"Seeding {args.tutors} tutors and planning the requests…", flush=True)
    run([str(BIN / "python"), "bench/directory_bench.py", "--seed-only", "--tutors", str(args.tutors)], env)
    planned = plan(work, 30000)
    subprocess.run(["psql", args.database_url, "-qc", "ANALYZE"], check=True)
    print(f"Ready in {time.monotonic() - started:.0f} s: {planned}", flush=True)
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)

    port = free_port()
    base, host = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    gunicorn = [str(BIN / "gunicorn"), "lms.config.wsgi:application", "--workers", str(args.workers)]
    gunicorn += ["--bind", host, "--worker-class", "sync", "--log-level", "warning", "--timeout", "120"]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
    results = {name: {"requests": 0, "duration_us": 0, "errors": 0, "histogram": {}} for name in SCENARIOS}
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        files, offsets, samples = {}, {}, {}
        for name in SCENARIOS:
            requests = raw_requests(work / f"{name}.jsonl", host)
            samples[name] = requests[-SAMPLE:] if len(requests) > SAMPLE else requests
            runnable = requests[:-SAMPLE] if len(requests) > SAMPLE else requests
            files[name] = work / f"{name}.http"
            files[name].write_bytes(b"".join(raw + b"\0" for raw in runnable))
            offsets[name] = 0
            results[name]["planned"] = len(runnable)
        # SQL queries per request, counted on the idle server (requests left queued by a wrk
        # run would keep a counted one waiting).
        queries = {name: count_queries(base, samples[name]) for name in SCENARIOS}
        for round_ in range(args.rounds + 1):  # round 0 warms up and is not counted
            for name in SCENARIOS:
                seconds = 2 if round_ == 0 else args.seconds
                found = wrk(base, files[name], offset=offsets[name], seconds=seconds, connections=args.connections)
                drain(base)
                offsets[name] += found["requests"] + args.connections
                if round_ == 0:
                    continue
                rps = tally(results[name], found)
                print(f"round {round_} {name:<10} {rps:8.0f} req/s", flush=True)
        for name in SCENARIOS:
            results[name]["sent"] = offsets[name]
    finally:
        server.terminate()
        server.wait(timeout=20)

    floor_rps = results["floor"]["requests"] / results["floor"]["duration_us"] * 1e6
    rows = []
    for name in SCENARIOS:
        rows.append(
            result_row(
                LABELS[name],
                results[name],
                floor_rps=floor_rps,
                target=TARGETS.get(name),
                queries=queries[name],
                repeatable=name != "directory",
            )
        )
        print(rows[-1], flush=True)
    command = " ".join(["python", "bench/directory_bench.py", *sys.argv[1:]])
    lines = [
        "| scenario | req/s | of floor | p50 ms | p99 ms | SQL queries per request: mean (min–max) | target "
        "| errors | requests planned |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        *rows,
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.tutors:,} tutors, "
        f"PostgreSQL, Redis, gunicorn {args.workers} sync workers, DEBUG off; wrk {args.connections} "
        f"connections, {args.rounds} rounds × {args.seconds:g} s per scenario after a 2 s warm-up of each; "
        f"{os.cpu_count()} CPUs; visitors (no session), each with a time-zone cookie.",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
