"""Courses benchmark: what many users do, each scenario against the floor in the same run.

Seeds a PostgreSQL database (bench/courses_seed.py: 200×scale courses of 10 lessons, 1,000×scale
students with enrolments and progress, and one course being graded), serves it as in production
(DEBUG off, gunicorn sync workers, Redis cache and sessions) and drives it with wrk at 32
connections:

- floor: a fixed 20 KB page through all of the project's middleware (bench/courses_urls.py);
- lesson: signed-in students opening lessons of their own courses, no (student, lesson) twice;
- dashboard: students' dashboards, student after student;
- search: distinct catalog searches (words, two words, prefixes, typos, no match; some with
  filters; 70 % htmx partials);
- anon: visitors' catalog and course pages, as often as they are popular (a Zipf spread;
  the visitors' page cache serves them, warmed with every page once before the rounds);
- write: marking lessons complete and submitting quizzes (htmx), enrolling in free courses;
- grading: the teachers of a course of 500 students × 40 graded items (30 assignments, 10
  quizzes; courses_seed.grading_seed): grading-queue pages (filters, page numbers), gradebook
  pages (page numbers, cohorts) and grading pages, each of a different submission;
- api: students' apps on /api/v1/ with personal access tokens: their enrolments and
  notifications, course outlines, lessons (no student × lesson twice) and distinct catalog
  searches with filters and page sizes (docs/api.md).

Scenarios take turns in rounds of a few seconds, the floor once per round, so a slow spell of
a shared machine falls on all of them alike; the share of the floor is the figure to compare.
After the warm-up round, requests from the end of each scenario's list run once with a header
that makes the server count their SQL queries (bench/courses_urls.py). Writes a Markdown table:

  /work/main/.venv/bin/python bench/courses_bench.py \\
      --database-url postgres://postgres@127.0.0.1:5432/lyceum_courses_bench \\
      --redis-url redis://127.0.0.1:6379/12 --out bench/courses_results.md

Add --scale 10 for ten times the courses and students, --reuse to keep a seeded database.
Needs PostgreSQL, Redis and wrk (apt-get install -y wrk); every request goes to 127.0.0.1.

wrk (C, with bench/courses_wrk.lua choosing each request from a precomputed list) rather than
a Python load generator: on a 2-core machine the generator shares the CPU with the server, and
wrk costs a fraction of what a Python client needs to keep 32 connections busy.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCENARIOS = ["floor", "lesson", "dashboard", "search", "anon", "write", "grading", "api"]
LABELS = {
    "floor": "floor (fixed 20 KB page)",
    "lesson": "lesson (student, own courses)",
    "dashboard": "dashboard (student)",
    "search": "catalog search (distinct)",
    "anon": "catalog and course pages (visitor)",
    "write": "writes (complete, quiz, enroll)",
    "grading": "grading: queue, gradebook, grading pages (teacher, 500 × 40)",
    "api": "API v1 lists and details (students' tokens)",
}
# share of the floor, p99 ceiling in ms
TARGETS = {
    "lesson": (0.20, 100),
    "dashboard": (0.20, 100),
    "search": (0.20, 100),
    "anon": (0.50, None),
    "write": (0.10, None),
    "grading": (0.20, 100),
    "api": (0.20, 100),
}
SAMPLE = 40  # requests per scenario whose SQL queries are counted (kept out of the wrk runs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kwargs)


def recreate_database(url: str) -> None:
    name = urllib.parse.urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def raw_requests(plan_file: Path, host: str) -> list[bytes]:
    """The plan's [method, path, headers, body] lines as HTTP/1.1 requests."""
    found = []
    for line in plan_file.read_text().splitlines():
        method, path, headers, body = json.loads(line)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if method == "POST":
            lines.append(f"Content-Length: {len(body.encode())}")
        found.append(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
    return found


def count_queries(base: str, requests: list[bytes]) -> list[int]:
    """Send each request once with the counting header; the SQL queries each ran."""
    counts = []
    for raw in requests:
        head, body = raw.split(b"\r\n\r\n", 1)
        first, *header_lines = head.decode().split("\r\n")
        method, path, _ = first.split(" ")
        headers = dict(line.split(": ", 1) for line in header_lines)
        headers.pop("Host")
        headers.pop("Content-Length", None)
        headers["X-Bench-Count-Queries"] = "1"
        request = urllib.request.Request(base + path, data=body or None, method=method, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:  # a redirect (enroll) or an error page
            response = exc
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        counts.append(int(response.headers["X-Bench-Queries"]))
    return counts


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(base: str, requests_file: Path, *, offset: int, seconds: float, connections: int) -> dict:
    threads = 2
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    cmd += ["-s", str(ROOT / "bench" / "courses_wrk.lua"), base, "--", str(requests_file), str(offset), str(threads)]
    out = subprocess.run(cmd, check=True, text=True, capture_output=True, timeout=seconds + 60).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def percentile(histogram: dict[int, int], fraction: float) -> float:
    total = sum(histogram.values())
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= fraction * total:
            return value / 1000
    return 0.0


def tally(total: dict, found: dict) -> float:
    """Add one wrk run to a scenario's totals; returns the run's req/s."""
    total["requests"] += found["requests"]
    total["duration_us"] += found["duration_us"]
    total["errors"] += found["non_2xx_3xx"] + found["socket_errors"]
    for value, count in found["latency_us"]:
        total["histogram"][value] = total["histogram"].get(value, 0) + count
    return found["requests"] / found["duration_us"] * 1e6


def result_row(label: str, r: dict, *, floor_rps: float, target, queries: list, repeatable: bool) -> str:
    """One scenario's Markdown row: req/s, share of the floor, p50/p99, queries, its target
    (share, p99 ceiling or None) and verdict."""
    rps = r["requests"] / r["duration_us"] * 1e6
    p50, p99 = percentile(r["histogram"], 0.5), percentile(r["histogram"], 0.99)
    share = rps / floor_rps
    wanted, verdict = "—", ""
    if target:
        want, ceiling = target
        wanted = f"≥ {want:.0%}" + (f", p99 ≤ {ceiling} ms" if ceiling else "")
        verdict = " ✔" if share >= want and (ceiling is None or p99 <= ceiling) else " ✘"
    repeats = "" if r["sent"] <= r["planned"] or repeatable else " (list repeated)"
    return (
        f"| {label} | {rps:.0f} | {100 * share:.1f}% | {p50:.1f} | {p99:.1f} | "
        f"{sum(queries) / len(queries):.1f} ({min(queries)}–{max(queries)}) | {wanted}{verdict} | {r['errors']} | "
        f"{r['planned']:,}{repeats} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lyceum_courses_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--scale", type=int, default=1, help="×200 courses, ×1,000 students")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="per scenario and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS[1:]))
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--out", default=str(ROOT / "bench" / "courses_results.md"))
    args = parser.parse_args()
    scenarios = ["floor", *[s for s in args.scenarios.split(",") if s != "floor"]]

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
    work = Path(tempfile.mkdtemp(prefix="courses-bench-"))
    started = time.monotonic()
    if not args.reuse:
        print("Creating the database…", flush=True)
        recreate_database(args.database_url)
    run([str(BIN / "python"), "manage.py", "migrate", "--noinput"], env)
    run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput"], env)
    print(f"Seeding (scale {args.scale}) and planning the requests…", flush=True)
    seed = [str(BIN / "python"), "bench/courses_seed.py", "--scale", str(args.scale), "--plan", str(work)]
    seed_env = {**env, "BENCH_CACHE_PREFIX": "bench-seed"}
    seeded = subprocess.run(seed, env=seed_env, cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE)
    planned = json.loads(seeded.stdout.strip().splitlines()[-1])
    # Fresh statistics, as autovacuum keeps them on a running database (else the planner
    # guesses the page tables' sizes from before the seed).
    subprocess.run(["psql", args.database_url, "-qc", "ANALYZE"], check=True)
    print(f"Ready in {time.monotonic() - started:.0f} s: {planned}", flush=True)
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)

    port = free_port()
    base, host = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    gunicorn = [str(BIN / "gunicorn"), "lms.config.wsgi:application", "--workers", str(args.workers)]
    gunicorn += ["--bind", host, "--worker-class", "sync", "--log-level", "warning"]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
    results = {name: {"requests": 0, "duration_us": 0, "errors": 0, "histogram": {}} for name in scenarios}
    queries = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        files, offsets, samples = {}, {}, {}
        for name in scenarios:
            requests = raw_requests(work / f"{name}.jsonl", host)
            samples[name] = requests[-SAMPLE:] if len(requests) > SAMPLE else requests
            runnable = requests[:-SAMPLE] if len(requests) > SAMPLE else requests
            files[name] = work / f"{name}.http"
            files[name].write_bytes(b"".join(raw + b"\0" for raw in runnable))
            offsets[name] = 0
            results[name]["planned"] = len(runnable)
        # As a running site has them: every visitor's page and course outline once, then a
        # short round of every scenario (neither is counted).
        warm = raw_requests(work / "warm.jsonl", host)
        (work / "warm.http").write_bytes(b"".join(raw + b"\0" for raw in warm))
        wrk(base, work / "warm.http", offset=0, seconds=2 + len(warm) // 50, connections=args.connections)
        for round_ in range(args.rounds + 1):  # round 0 warms the caches and is not counted
            if round_ == 1:
                queries = {name: count_queries(base, samples[name]) for name in scenarios}
            for name in scenarios:
                seconds = 2 if round_ == 0 else args.seconds
                found = wrk(base, files[name], offset=offsets[name], seconds=seconds, connections=args.connections)
                # Requests cut off at the end may have reached the server: skip past them too.
                offsets[name] += found["requests"] + args.connections
                if round_ == 0:
                    continue
                rps = tally(results[name], found)
                print(f"round {round_} {name:<10} {rps:8.0f} req/s", flush=True)
        for name in scenarios:
            results[name]["sent"] = offsets[name]
    finally:
        server.terminate()
        server.wait(timeout=20)

    floor_rps = results["floor"]["requests"] / results["floor"]["duration_us"] * 1e6
    rows = []
    for name in scenarios:
        rows.append(
            result_row(
                LABELS[name],
                results[name],
                floor_rps=floor_rps,
                target=TARGETS.get(name),
                queries=queries[name],
                repeatable=name in ("floor", "anon"),
            )
        )
        print(rows[-1], flush=True)
    command = " ".join(["python", "bench/courses_bench.py", *sys.argv[1:]])
    lines = [
        "| scenario | req/s | of floor | p50 ms | p99 ms | SQL queries per request: mean (min–max) | target "
        "| errors | requests planned |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        *rows,
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: scale {args.scale} "
        f"({200 * args.scale} courses × 10 lessons, {1000 * args.scale} students), PostgreSQL, Redis, gunicorn "
        f"{args.workers} sync workers, DEBUG off; wrk {args.connections} connections, {args.rounds} rounds × "
        f"{args.seconds:g} s per scenario after a warm-up (every visitor's page once, then 2 s of each "
        f"scenario); {os.cpu_count()} CPUs. Lesson visits, searches and writes are each planned once; "
        "dashboards one per student; visitors' pages by popularity. Grading: one course of 500 students in 4 "
        "cohorts × 30 assignments and 10 quizzes, its teachers' queue and gradebook pages and every grading "
        "page once.",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
