"""`make bench`: speed and scale measured against baselines; the table goes to docs/benchmarks.md.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). It never touches the
database DATABASE_URL names: it creates a database of its own on the same
server (``--database``, default candor_bench), runs there in a child process
with the bench settings, and drops it at the end (``--keep`` keeps it). It
empties the Redis database REDIS_URL names, so give it one of its own.

    manage.py bench                       # full sizes, writes docs/benchmarks.md
    manage.py bench --small --output -    # tiny sizes, a minute, table only
    manage.py bench --only quality        # the quality check alone: no PostgreSQL, no Redis,
                                          # prints a section for docs/benchmarks.md
"""

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

KEEP_START = "<!-- keep: hand-written analysis, carried over when the bench rewrites this file -->"
KEEP_END = "<!-- /keep -->"


def _server_dsn(db: dict, name: str) -> dict:
    return {
        "dbname": name,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }


def _url(db: dict, name: str) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{quote(name, safe='')}"


def _admin(db: dict, sql: str) -> None:
    import psycopg2
    from psycopg2 import sql as pgsql

    conn = psycopg2.connect(**{k: v for k, v in _server_dsn(db, "postgres").items() if v is not None})
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(pgsql.SQL(sql).format(name=pgsql.Identifier(db["BENCH_NAME"])))
    finally:
        conn.close()


class Command(BaseCommand):
    help = "Measure pages, sending, the reminder sweep and bulk approval at scale; write docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="tiny sizes: checks the harness, not speed")
        parser.add_argument("--database", default="candor_bench", help="the database the bench creates")
        parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
        parser.add_argument(
            "--output", default=None, help="Markdown file to write ('-': none); default docs/benchmarks.md"
        )
        parser.add_argument("--workdir", default=None, help="logs and results.json; default var/bench")
        parser.add_argument(
            "--tool", choices=["auto", "wrk", "python"], default="auto", help="load generator"
        )
        parser.add_argument(
            "--phases", default="pages,bulk,sending,reminders,quality", help="comma-separated subset to run"
        )
        parser.add_argument(
            "--only",
            choices=["quality"],
            help="run only this phase, in this process with these settings (no database is created): "
            "prints its table and a Markdown section; --output FILE appends the section to FILE",
        )
        parser.add_argument("--quality-runs", type=int, help="letters checked one at a time (default 500)")
        parser.add_argument("--quality-letters", type=int, help="letters checked in bulk (default 10,000)")
        parser.add_argument("--applications", type=int, help="large size (default 200,000; small: 1%%)")
        parser.add_argument("--letters", type=int, help="letters approved and sent (default 10,000)")
        parser.add_argument(
            "--reminders", type=int, help="large reminder table (default 1,000,000; small: 10%%; 1%% due)"
        )
        parser.add_argument("--inner", action="store_true", help="(internal) run inside the bench database")
        parser.add_argument("--command-line", default="", help="(internal) the command as typed")

    def handle(self, *args, **options):
        if options["only"]:
            return self.only(options)
        if options["inner"]:
            return self.inner(options)
        return self.outer(options)

    # -- in the caller's settings: create the database, run the bench in it, drop it -------------

    def outer(self, options):
        db = dict(settings.DATABASES["default"])
        if not db["ENGINE"].endswith("postgresql"):
            raise CommandError(
                "make bench needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/anyname "
                "(the bench creates and drops a database of its own, --database, on that server). "
                "SQLite is not a meaningful place to measure 200,000 applications; the smoke run "
                "in `make test` covers the harness on SQLite."
            )
        redis_url = os.environ.get("REDIS_URL") or settings.CELERY_BROKER_URL
        if not redis_url.startswith("redis"):
            raise CommandError("make bench needs Redis: set REDIS_URL=redis://host:6379/<a db of its own>")
        name = options["database"]
        if "bench" not in name:
            raise CommandError(
                f"--database {name!r}: the name must contain 'bench' (it is dropped and created)"
            )
        db["BENCH_NAME"] = name
        self.stdout.write(f"Creating the database {name} (dropping an old one)...")
        _admin(db, "DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _admin(db, "CREATE DATABASE {name}")
        command_line = options["command_line"] or " ".join(["manage.py", *sys.argv[1:]])
        argv = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--inner"]
        for flag in ("small", "keep"):
            if options[flag]:
                argv.append(f"--{flag}")
        for key in (
            "output",
            "workdir",
            "applications",
            "letters",
            "reminders",
            "quality_runs",
            "quality_letters",
        ):
            if options[key]:
                argv += [f"--{key.replace('_', '-')}", str(options[key])]
        argv += ["--tool", options["tool"], "--phases", options["phases"], "--command-line", command_line]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "DATABASE_URL": _url(db, name),
            "REDIS_URL": redis_url,
        }
        try:
            code = subprocess.call(argv, env=env, cwd=settings.BASE_DIR)  # noqa: S603 - our own command
        finally:
            if not options["keep"]:
                _admin(db, "DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if code:
            raise CommandError(f"the bench failed (exit {code})")

    # -- one phase that needs no database, in this process ------------------------------------------

    def only(self, options):
        from devtools.bench.runner import Bench

        phase = options["only"]
        workdir = Path(options["workdir"] or Path(settings.BASE_DIR) / "var" / "bench")
        bench = Bench(
            sizes=self._sizes(options),
            workdir=workdir,
            redis_url="",
            log=lambda line: self.stdout.write(line),
        )
        started = time.monotonic()
        bench.run(phases=(phase,))
        command = options["command_line"] or " ".join(["manage.py", *sys.argv[1:]])
        section = bench.fragment(heading=f"{phase.capitalize()} check (issue 11)", command=command)
        self.stdout.write("")
        self.stdout.write(bench.text())
        self.stdout.write(f"\n{time.monotonic() - started:.0f} s in all.\n")
        self.stdout.write(section)
        output = options["output"]
        if output and output != "-":
            path = Path(output)
            if not path.is_absolute():
                path = Path(settings.BASE_DIR) / path
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_text() if path.exists() else ""
            path.write_text(old.rstrip("\n") + ("\n\n" if old.strip() else "") + section)
            self.stdout.write(f"Appended to {path}.")

    @staticmethod
    def _sizes(options):
        from devtools.bench.runner import Sizes

        sizes = Sizes.smoke() if options["small"] else Sizes()
        overrides = {}
        for key in ("quality_runs", "quality_letters"):
            if options.get(key) is not None:
                overrides[key] = options[key]
        return dataclasses.replace(sizes, **overrides)

    # -- in the bench database, with config.settings.bench ----------------------------------------

    def inner(self, options):
        from devtools.bench.runner import Bench

        sizes = self._sizes(options)
        overrides = {}
        if options["applications"]:
            overrides.update(
                applications=options["applications"],
                applications_small=max(10, options["applications"] // 100),
            )
        if options["letters"]:
            overrides["letters"] = options["letters"]
        if options["reminders"]:
            overrides.update(
                reminders=options["reminders"],
                reminders_small=options["reminders"] // 10,
                reminders_due=max(1, options["reminders"] // 100),
            )
        sizes = dataclasses.replace(sizes, **overrides)
        workdir = Path(options["workdir"] or Path(settings.BASE_DIR) / "var" / "bench")
        redis_url = os.environ.get("REDIS_URL") or settings.CELERY_BROKER_URL
        bench = Bench(
            sizes=sizes,
            workdir=workdir,
            redis_url=redis_url,
            log=lambda line: self.stdout.write(line),
            tool=options["tool"],
        )
        started = time.monotonic()
        bench.run(phases=tuple(p.strip() for p in options["phases"].split(",") if p.strip()))
        self.stdout.write("")
        self.stdout.write(bench.text())
        self.stdout.write(f"\n{time.monotonic() - started:.0f} s in all.")
        output = options["output"]
        if output is None:
            output = str(workdir / "benchmarks.md") if options["small"] else "docs/benchmarks.md"
        if output != "-":
            path = Path(output)
            if not path.is_absolute():
                path = Path(settings.BASE_DIR) / path
            kept = ""
            if path.exists():
                old = path.read_text()
                if KEEP_START in old and KEEP_END in old:
                    kept = old[old.index(KEEP_START) : old.index(KEEP_END) + len(KEEP_END)]
            setup = [
                f"Sizes: {sizes}",
                "Web: gunicorn, 2 sync workers pinned to core 0 (taskset), config.settings.bench "
                "(DEBUG off, every middleware, persistent database connections); the load generator "
                "pinned to core 1.",
                f"Database: PostgreSQL {self._pg_version()}, a database created for the run; "
                "Redis for Celery.",
            ]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                bench.markdown(
                    command=options["command_line"] or "manage.py bench --inner", setup=setup, preamble=kept
                )
            )
            self.stdout.write(f"Written to {path}.")

    @staticmethod
    def _pg_version() -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
