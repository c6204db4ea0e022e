"""CPU per request of the courses benchmark's signed-in pages, in one process, without a server.

The same database and requests as bench/courses_bench.py (bench/courses_seed.py seeds it and
plans the requests: each lesson visit and search distinct, one dashboard per student), sent
through the whole middleware stack with Django's test client. After a warm-up (the shared
caches filled, as on a running site) each scenario's requests are timed with
`time.process_time()`: this process's CPU alone, so the figure hardly moves with the load
other programs put on the machine, and PostgreSQL's and Redis's own work is not in it.
SQL queries per request are counted on a separate pass.

  /work/main/.venv/bin/python bench/courses_profile.py \\
      --database-url postgres://postgres@127.0.0.1:5432/lyceum_courses_bench \\
      --redis-url redis://127.0.0.1:6379/12 [--requests 300] [--profile lesson [--sort tottime]]

The database must be seeded already (a first run of bench/courses_bench.py, or --seed).
`--show-queries NAME` prints the SQL of one of its requests; `--profile NAME[,NAME…]` runs
the scenarios again under cProfile (timing CPU) and prints the Python function calls per
request (a count of the work that does not move with the machine's load) and the functions
they spent the most time in (cumulative by default), to see where a request's CPU goes.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("floor", "lesson", "dashboard", "search", "grading")


def _configure(args) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.courses_settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    sys.path.insert(0, str(ROOT))


def _plan(scale: int, seed: bool) -> Path:
    """The requests of bench/courses_seed.py's plan (fresh sessions for every student)."""
    from bench import courses_seed

    if seed:
        courses_seed.seed(scale)
    directory = Path(tempfile.mkdtemp(prefix="courses-profile-"))
    courses_seed.plan(directory)
    return directory


def _requests(directory: Path, name: str) -> list[tuple[str, dict]]:
    import json

    found = []
    for line in (directory / f"{name}.jsonl").read_text().splitlines():
        method, path, headers, _body = json.loads(line)
        if method != "GET":
            continue
        meta = {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}
        found.append((path, meta))
    return found


def _send(client, requests) -> None:
    for path, meta in requests:
        response = client.get(path, **meta)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")


def _count_queries(client, requests) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for path, meta in requests:
        with CaptureQueriesContext(connection) as queries:
            client.get(path, **meta)
        counts.append(len(queries.captured_queries))
    return counts


def _print_queries(client, request) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path, meta = request
    with CaptureQueriesContext(connection) as queries:
        client.get(path, **meta)
    print(f"GET {path}: {len(queries.captured_queries)} queries")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:400]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lyceum_courses_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", action="store_true", help="seed the database first (as the bench does)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests per scenario first")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--profile", default="", help="also profile these scenarios (comma-separated) with cProfile")
    parser.add_argument("--show-queries", choices=SCENARIOS, help="print the SQL of one request of this scenario")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key for --profile")
    parser.add_argument("--lines", type=int, default=45, help="functions --profile prints (0: only the count)")
    args = parser.parse_args()
    _configure(args)
    profiled_scenarios = [s for s in args.profile.split(",") if s]

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest {% static %} reads
    directory = _plan(args.scale, args.seed)
    cache.clear()
    client = Client()
    total = args.warmup + args.requests
    print(f"{'scenario':<10} {'CPU ms/req':>10} {'wall ms/req':>11} {'SQL queries/req':>16}  (over {args.requests})")
    for name in [s for s in args.scenarios.split(",") if s]:
        requests = _requests(directory, name)
        if name == "floor":
            requests = requests * total
        elif name == "dashboard":  # one per student; a repeat costs what a first visit does
            requests = (requests * (1 + total // max(len(requests), 1)))[:total]
        # Timed, profiled and counted requests are all distinct (no student × lesson twice).
        need = total + (args.requests if name in profiled_scenarios else 0) + 40
        if len(requests) < need and name not in ("floor", "dashboard"):
            raise SystemExit(f"{name}: only {len(requests)} planned requests, {need} needed")
        warm, timed, rest = requests[: args.warmup], requests[args.warmup : total], requests[total:]
        _send(client, warm)
        cpu, wall = time.process_time(), time.perf_counter()
        _send(client, timed)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        counted = _count_queries(client, (rest or timed)[-40:])
        n = len(timed)
        if args.show_queries == name:
            _print_queries(client, (rest or timed)[-41])
        print(
            f"{name:<10} {1000 * cpu / n:>10.2f} {1000 * wall / n:>11.2f} "
            f"{sum(counted) / len(counted):>8.1f} ({min(counted)}–{max(counted)})",
            flush=True,
        )
        if name in profiled_scenarios:
            profiled = (rest or timed)[: args.requests]
            profiler = cProfile.Profile(time.process_time)  # CPU, as the timing above
            profiler.runcall(_send, client, profiled)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            # Python function calls per request: a measure of the work done that, unlike
            # time, does not move with what else the machine runs.
            print(f"{name:<10} {stats.total_calls / len(profiled):>10,.0f} Python function calls per request")
            if args.lines:
                stats.sort_stats(args.sort).print_stats(args.lines)
                print(f"\ncProfile of {len(profiled)} {name} requests, by {args.sort}:\n{out.getvalue()}")


if __name__ == "__main__":
    main()
