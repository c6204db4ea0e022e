"""Courses benchmark: throughput and latency of the catalog, course, search, lesson and
dashboard pages against the floor (a fixed 20 KB page through the project's middleware).

Seeds a fresh PostgreSQL database (200 courses × 10 lessons, 1,000 students), serves the
site as in production (DEBUG off, gunicorn with 2 sync workers, Redis cache) and drives
each page with wrk at 32 connections for 10 s. Writes a Markdown table:

  .venv/bin/python bench/courses_bench.py \\
      --database-url postgres://postgres@127.0.0.1:5432/lyceum_courses_bench \\
      --redis-url redis://127.0.0.1:6379/12 --out bench/courses_results.md

Needs PostgreSQL, Redis and wrk (apt-get install -y wrk). Every request goes to
127.0.0.1 only; each wrk run is bounded in time.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kwargs)


def recreate_database(url: str) -> None:
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def wrk(url: str, *, cookie: str = "", duration: int, connections: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], check=True, text=True, capture_output=True, timeout=duration + 30).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lyceum_courses_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--out", default=str(ROOT / "bench" / "courses_results.md"))
    args = parser.parse_args()

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
    started = time.monotonic()
    if not args.reuse:
        print("Creating the database…", flush=True)
        recreate_database(args.database_url)
        run([PYTHON, "manage.py", "migrate", "--noinput"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)
    print("Seeding 200 courses × 10 lessons and 1,000 students (a few minutes)…", flush=True)
    seeded = json.loads(run([PYTHON, "bench/courses_seed.py"], env).stdout.strip().splitlines()[-1])
    print(f"Seeded in {time.monotonic() - started:.0f} s", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "lms.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
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
        pages = [
            ("floor (fixed 20 KB page)", "/bench/floor/", "", None),
            ("catalog (anonymous)", "/courses/", "", 0.5),
            ("course page (anonymous)", seeded["course"], "", 0.5),
            ("search (anonymous)", "/courses/?q=chemistry", "", 0.2),
            ("lesson page (student)", seeded["lesson"], seeded["cookie"], 0.2),
            ("dashboard (student)", "/dashboard/student/", seeded["cookie"], 0.2),
        ]
        rows = []
        floor_rps = None
        for name, path, cookie, target in pages:
            with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie})) as r:
                assert r.status == 200, (path, r.status)  # also warms the caches
            result = wrk(base + path, cookie=cookie, duration=args.duration, connections=args.connections)
            floor_rps = floor_rps or result["rps"]
            result.update(name=name, path=path, target=target, fraction=result["rps"] / floor_rps)
            rows.append(result)
            print(
                f"{name:<28} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms"
                f"  {100 * result['fraction']:5.1f}% of floor",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=20)

    lines = [
        "# Courses benchmark — latest result",
        "",
        f"`{' '.join(['.venv/bin/python', 'bench/courses_bench.py', *sys.argv[1:]])}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: PostgreSQL, Redis cache, gunicorn "
        f"{args.workers} sync workers, DEBUG off; wrk {args.connections} connections × {args.duration} s per page; "
        "200 courses × 10 lessons, 1,000 students.",
        "",
        "| page | req/s | p50 ms | p99 ms | of floor | target | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in rows:
        target = "—" if r["target"] is None else f"≥ {r['target']:.0%}, p99 ≤ 100 ms"
        met = "" if r["target"] is None else (" ✔" if r["fraction"] >= r["target"] and r["p99"] <= 100 else " ✘")
        lines.append(
            f"| {r['name']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {100 * r['fraction']:.1f}% | "
            f"{target}{met} | {r['errors']} |"
        )
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
