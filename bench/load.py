"""Load: 300 respondents autosaving answers and submitting for 60 s, and consultants reading the
scores, against gunicorn + PostgreSQL on loopback. The floor, in the same run with the same client
at the same concurrency: a bare Django view answering 204. Afterwards the database must hold exactly
every acknowledged answer: 0 lost, 0 duplicated. A last phase runs the respondents at a human
pace to show the latency a real survey sees, away from saturation.

    make bench BENCH=load                                  # part of `make bench`
    .venv/bin/python -m bench.load --kill-db-every 2       # fault run: connections dropped

The server runs with production settings (DEBUG off, kept database connections, Redis cache).
Every simulated client comes from 127.0.0.1, so the per-address and per-link request limits are
raised for the run; their cache lookups still happen on every request.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

from bench.harness import Result

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cx_load"
RESPONDENTS = 300
INVITATION_POOL = 3000
CONCURRENCY = 50
CONSULTANTS = 2
SECONDS = 60
FLOOR_SECONDS = 20
# Then the same respondents at a human pace: an answer every THINK_SECONDS each (people take
# about 20 s per question, so this is ten times busier than a real survey of 300).
PACED_SECONDS = 30
THINK_SECONDS = 2.0
CHANGE_ANSWER_SHARE = 0.1  # autosaves that revise an earlier answer, as people do on review
RETRIES = 5
P95_BUDGET_MS = 100.0  # at a human pace
CONCURRENT_P95_BUDGET_MS = 120.0  # with CONCURRENCY requests in flight


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Respondent:
    """What the server acknowledged to one respondent, and what it may hold without saying so
    (a request whose every attempt failed may still have committed)."""

    token: str
    invitation: int
    acknowledged: dict[str, int] = field(default_factory=dict)
    in_doubt: dict[str, set[int]] = field(default_factory=dict)
    submitted: bool = False


class Client:
    """At most CONCURRENCY requests in flight; each lane times its own request, so waiting for a
    free lane is not counted as latency. Failed attempts (5xx, broken connections) are errors and
    are retried, as the questionnaire page retries an autosave."""

    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session = session
        self.base = base
        self.lanes = asyncio.Semaphore(CONCURRENCY)
        self.timings: dict[str, Timings] = {}

    async def call(self, kind: str, method: str, path: str, **kwargs) -> int | None:
        timings = self.timings.setdefault(kind, Timings())
        for attempt in range(RETRIES):
            async with self.lanes:
                start = time.perf_counter()
                try:
                    async with self.session.request(method, self.base + path, **kwargs) as response:
                        await response.read()
                        status = response.status
                except (TimeoutError, aiohttp.ClientError):
                    status = None
                elapsed = time.perf_counter() - start
            if status is not None and status < 500:
                timings.latencies.append(elapsed)
                return status
            timings.errors += 1
            await asyncio.sleep(0.05 * 2**attempt)
        return None


async def phase(client: Client, workers: list[Callable[[], Awaitable[None]]], kinds: list[str]) -> None:
    start = time.perf_counter()
    await asyncio.gather(*(worker() for worker in workers))
    for kind in kinds:
        client.timings.setdefault(kind, Timings()).seconds = time.perf_counter() - start


async def noop_lane(client: Client, deadline: float) -> None:
    while time.monotonic() < deadline:
        await client.call("noop", "GET", "/bench/noop/")


async def respondent_lane(
    client: Client,
    pool: list[Respondent],
    indicators: list[str],
    deadline: float,
    rng: random.Random,
    *,
    think: float = 0.0,
    tag: str = "",
) -> None:
    """One respondent after another: open the questionnaire, answer from wherever they stopped
    last time to the end (revising an earlier answer now and then), submit. `think` is the pause
    before each answer; 0 keeps the server saturated. Paced respondents arrive spread over the
    first pause rather than all in the same instant."""
    await asyncio.sleep(rng.uniform(0, think))
    while pool and time.monotonic() < deadline:
        respondent = pool.pop()
        await client.call(f"{tag}questionnaire", "GET", f"/api/v1/respond/{respondent.token}/")
        for code in indicators[rng.randrange(len(indicators)) :]:
            await asyncio.sleep(think)
            if time.monotonic() >= deadline:
                return
            if respondent.acknowledged and rng.random() < CHANGE_ANSWER_SHARE:
                earlier = rng.choice(list(respondent.acknowledged))
                await answer_save(client, respondent, earlier, rng, kind=f"{tag}autosave")
            await answer_save(client, respondent, code, rng, kind=f"{tag}autosave")
        status = await client.call(f"{tag}submit", "POST", f"/api/v1/respond/{respondent.token}/submit/")
        respondent.submitted = status == 200


async def answer_save(
    client: Client, respondent: Respondent, code: str, rng: random.Random, *, kind: str
) -> None:
    level = rng.randint(1, 5)
    body = {"answers": [{"indicator": code, "level": level}]}
    status = await client.call(kind, "PATCH", f"/api/v1/respond/{respondent.token}/answers/", json=body)
    if status == 200:
        respondent.acknowledged[code] = level
        respondent.in_doubt.pop(code, None)
    else:
        respondent.in_doubt.setdefault(code, set()).add(level)


async def consultant_lane(client: Client, assessment: int, token: str, deadline: float) -> None:
    headers = {"Authorization": f"Token {token}"}
    while time.monotonic() < deadline:
        await client.call("scores", "GET", f"/api/v1/assessments/{assessment}/scores/", headers=headers)
        await asyncio.sleep(0.5)  # a consultant refreshing the scores page


async def connections_drop(database_url: str, every: float, deadline: float) -> int:
    """Terminate every server connection to the run's database, every `every` seconds."""
    dropped = 0
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as admin:
        while time.monotonic() + every < deadline:
            await asyncio.sleep(every)
            cursor = await admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            dropped += (await cursor.fetchone())[0]
    return dropped


async def drive(base: str, seed: dict, database_url: str, seconds: float, kill_every: float) -> dict:
    rng = random.Random(2026)
    pool = [Respondent(token=token, invitation=pk) for token, pk in seed["invitations"].items()]
    respondents = list(pool)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY + CONSULTANTS)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        client = Client(session, base)
        deadline = time.monotonic() + FLOOR_SECONDS
        await phase(client, [lambda: noop_lane(client, deadline)] * CONCURRENCY, ["noop"])

        deadline = time.monotonic() + seconds
        workers = [lambda: respondent_lane(client, pool, seed["indicators"], deadline, rng)] * RESPONDENTS + [
            lambda: consultant_lane(client, seed["assessment"], seed["consultant_token"], deadline)
        ] * CONSULTANTS
        dropping = kill_every and asyncio.ensure_future(connections_drop(database_url, kill_every, deadline))
        await phase(client, workers, ["questionnaire", "autosave", "submit", "scores"])
        dropped = await dropping if dropping else 0

        deadline = time.monotonic() + PACED_SECONDS
        paced = [
            lambda: respondent_lane(
                client, pool, seed["indicators"], deadline, rng, think=THINK_SECONDS, tag="paced "
            )
        ] * RESPONDENTS
        await phase(client, paced, ["paced questionnaire", "paced autosave", "paced submit"])
    return {"timings": client.timings, "respondents": respondents, "dropped": dropped}


def database_check(database_url: str, respondents: list[Respondent]) -> dict:
    """Compare the database with what the clients were told: an acknowledged answer must be there
    with its last acknowledged level (or a later level whose request failed in doubt)."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT r.invitation_id, i.code, a.level, "
            "count(*) OVER (PARTITION BY a.response_id, a.indicator_id) "
            "FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
            "JOIN surveys_indicator i ON i.id = a.indicator_id WHERE r.invitation_id = ANY(%s)",
            [[r.invitation for r in respondents]],
        ).fetchall()
        submitted = {
            pk
            for (pk,) in connection.execute(
                "SELECT invitation_id FROM surveys_response "
                "WHERE submitted_at IS NOT NULL AND invitation_id = ANY(%s)",
                [[r.invitation for r in respondents]],
            )
        }
    stored = {(invitation, code): level for invitation, code, level, _count in rows}
    duplicated = sum(count - 1 for *_rest, count in rows if count > 1)
    acknowledged = lost = 0
    for respondent in respondents:
        for code, level in respondent.acknowledged.items():
            acknowledged += 1
            allowed = {level} | respondent.in_doubt.get(code, set())
            lost += stored.get((respondent.invitation, code)) not in allowed
    acked_submits = {r.invitation for r in respondents if r.submitted}
    return {
        "acknowledged": acknowledged,
        "lost": lost,
        "duplicated": duplicated,
        "stored": len(stored),
        "submitted": len(acked_submits),
        "submits_lost": len(acked_submits - submitted),
    }


def server_environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",  # required without DEBUG; the load follows no links
        "SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": "60",
        "CACHE_URL": os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "RESPOND_TOKEN_THROTTLE_RATE": "100000/min",
        "RESPOND_IP_THROTTLE_RATE": "10000000/min",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "PYTHONPATH": str(ROOT),
    }


def database_create(database_url: str) -> None:
    admin_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_wait(base: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start within 30 s")


def load_run(*, database_url: str, seconds: float, kill_every: float) -> dict:
    env = server_environment(database_url)
    database_create(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    seed = json.loads(
        subprocess.run(  # noqa: S603 (arguments of our own)
            [sys.executable, "-m", "bench.load_seed", str(INVITATION_POOL)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[-1]
    )
    port = free_port()
    workers = 2 * (os.cpu_count() or 1) + 1
    server = subprocess.Popen(  # noqa: S603 (arguments of our own)
        [sys.executable, "-m", "gunicorn", "config.wsgi", f"--bind=127.0.0.1:{port}", f"--workers={workers}"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        server_wait(base, server)
        outcome = asyncio.run(drive(base, seed, database_url, seconds, kill_every))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    outcome["check"] = database_check(database_url, outcome["respondents"])
    outcome["workers"] = workers
    return outcome


def report_text(outcome: dict) -> str:
    lines = [
        f"gunicorn ({outcome['workers']} sync workers) + PostgreSQL on loopback; {CONCURRENCY} requests "
        "in flight at most; "
        f"{RESPONDENTS} respondents and {CONSULTANTS} consultants"
    ]
    for kind, timings in outcome["timings"].items():
        if timings.latencies:
            lines.append(
                f"{kind:<14} {len(timings.latencies):>7} ok  {timings.throughput:>8.1f} req/s  "
                f"p50 {timings.percentile_ms(0.5):7.1f} ms  p95 {timings.percentile_ms(0.95):7.1f} ms  "
                f"p99 {timings.percentile_ms(0.99):7.1f} ms  errors {timings.errors}"
            )
    check = outcome["check"]
    lines.append(
        f"database: {check['acknowledged']} acknowledged answers, {check['lost']} lost, "
        f"{check['duplicated']} duplicated, {check['stored']} stored; {check['submitted']} acknowledged "
        f"submissions, {check['submits_lost']} lost; connections dropped: {outcome['dropped']}"
    )
    return "\n".join(lines) + "\n"


def report_save(outcome: dict, *, command: str) -> None:
    """Print the run's figures and keep them, with the command, as bench/<mode>.txt."""
    text = report_text(outcome)
    print(text, end="")
    name = "load_faults.txt" if outcome["dropped"] else "load.txt"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = f"$ {command}    # {stamp}, {os.cpu_count()} cores\n"
    (Path(__file__).resolve().parent / name).write_text(header + text)


def results(outcome: dict) -> list[Result]:
    noop, autosave = outcome["timings"]["noop"], outcome["timings"]["autosave"]
    paced = outcome["timings"]["paced autosave"]
    check = outcome["check"]
    requests = sum(len(t.latencies) + t.errors for kind, t in outcome["timings"].items() if kind != "noop")
    errors = sum(t.errors for t in outcome["timings"].values())
    return [
        # A throughput's ratio is how many times slower than the floor: floor ÷ value, ≤ 4 means ≥ 0.25×.
        Result(
            name="load_autosave_throughput_vs_bare_204",
            value=round(autosave.throughput, 1),
            unit="req/s",
            floor=round(noop.throughput, 1),
            ratio=round(noop.throughput / autosave.throughput, 2),
            target=4.0,
        ),
        Result(
            name=f"load_autosave_p95_at_{CONCURRENCY}_concurrent",
            value=round(autosave.percentile_ms(0.95), 1),
            unit="ms",
            floor=CONCURRENT_P95_BUDGET_MS,
            ratio=round(autosave.percentile_ms(0.95) / CONCURRENT_P95_BUDGET_MS, 2),
            target=1.0,
        ),
        Result(
            name="load_autosave_p95_at_human_pace",
            value=round(paced.percentile_ms(0.95), 1),
            unit="ms",
            floor=P95_BUDGET_MS,
            ratio=round(paced.percentile_ms(0.95) / P95_BUDGET_MS, 2),
            target=1.0,
        ),
        Result(name="load_errors", value=errors, unit="requests", floor=requests, ratio=errors, target=0),
        Result(
            name="load_answers_lost_or_duplicated",
            value=check["lost"] + check["duplicated"] + check["submits_lost"],
            unit="answers",
            floor=check["acknowledged"],
            ratio=check["lost"] + check["duplicated"] + check["submits_lost"],
            target=0,
        ),
    ]


def database_url_pick() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return f"{url}_load" if url.startswith(("postgres://", "postgresql://")) else DEFAULT_DATABASE_URL


def run() -> list[Result]:
    outcome = load_run(database_url=database_url_pick(), seconds=SECONDS, kill_every=0)
    report_save(outcome, command="make bench BENCH=load")
    return results(outcome)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--kill-db-every", type=float, default=0, help="drop every DB connection each N s")
    arguments = parser.parse_args()
    outcome = load_run(
        database_url=database_url_pick(), seconds=arguments.seconds, kill_every=arguments.kill_db_every
    )
    report_save(outcome, command="python -m bench.load " + " ".join(sys.argv[1:]))
    check = outcome["check"]
    return 1 if check["lost"] or check["duplicated"] or check["submits_lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
