"""Stateless nodes on shared storage: two gunicorn web nodes and one Celery worker, separate
processes, each in its own empty working directory with its own empty MEDIA_ROOT, sharing only
PostgreSQL (files included: FILE_STORAGE=database) and Redis.

- A report requested through node A is rendered by the worker and downloaded through node B byte
  for byte, although node A is killed the moment it has acknowledged the request.
- A customer file uploaded through node B in the background is imported by the worker, and its
  metrics are read through node A.
- Node A killed while it receives an upload leaves nothing behind: no job, no staged file.

Node B reaches PostgreSQL through PgBouncer in transaction mode (DB_BEHIND_PGBOUNCER), as a
deployment with many nodes would; CI installs it."""

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.assessment.test_customer_data import CUSTOMERS
from tests.conftest import require_service
from tests.reports.test_worker_killed import _wait
from tests.test_services import _broker_reachable

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/11"
PGBOUNCER = shutil.which("pgbouncer") or shutil.which("/usr/sbin/pgbouncer")
PASSWORD = "consultant-demo-2026"  # the demo's consultant (seed_demo)


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, tmp_path: Path):
        self.database = f"cx_topology_{secrets.token_hex(4)}"
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}
        self.database_overrides: dict[str, dict[str, str]] = {}

    def environment(self, name: str) -> dict[str, str]:
        workdir = self.tmp_path / name
        (workdir / "media").mkdir(parents=True, exist_ok=True)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "DEBUG": "false",
            "SECRET_KEY": "topology-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"{SERVER}/{self.database}",
            **self.database_overrides.get(name, {}),
            "CELERY_BROKER_URL": REDIS,
            "CELERY_RESULT_BACKEND": "",
            "CACHE_URL": REDIS,
            "FILE_STORAGE": "database",
            "MEDIA_ROOT": str(workdir / "media"),  # each node's own, and it must stay empty
            "LOG_LEVEL": "WARNING",
        }

    def run(self, *arguments: str, debug: bool = False) -> None:
        env = {**self.environment("setup"), **({"DEBUG": "true"} if debug else {})}
        subprocess.run(  # noqa: S603 (our interpreter, our manage.py)
            [sys.executable, str(ROOT / "manage.py"), *arguments],
            cwd=self.tmp_path / "setup",
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )

    def start(self, name: str, command: list[str]) -> None:
        log = (self.tmp_path / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
            [sys.executable, "-m", *command],
            cwd=self.tmp_path / name,
            env=self.environment(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with its workers
        )

    def web(self, name: str) -> None:
        port = _free_port()
        self.start(name, ["gunicorn", "config.wsgi", f"--bind=127.0.0.1:{port}", "--workers=2"])
        self.urls[name] = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.urls[name]}/readyz", timeout=5).status_code == 200:
                    return
            # The master listens before its workers have imported the app: on a loaded machine
            # the first request may wait longer than its timeout, which is not yet a failure.
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        raise AssertionError(f"{name} never became ready: {self.log(name)}")

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=30)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)

    def pgbouncer(self, name: str) -> None:
        """Start PgBouncer in transaction mode in front of PostgreSQL, for node `name`."""
        port = _free_port()
        folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        folder.chmod(0o755)  # it drops to the postgres user, which must read its files
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'users.txt'}\npool_mode = transaction\n"
            "default_pool_size = 4\nmax_client_conn = 100\nignore_startup_parameters = extra_float_digits\n"
            "admin_users = postgres\n"
        )
        for path in folder.iterdir():
            path.chmod(0o644)
        log = (self.tmp_path / "pgbouncer.log").open("wb")
        self.processes["pgbouncer"] = subprocess.Popen(  # noqa: S603 (the system's PgBouncer, our config)
            [PGBOUNCER, "-u", "postgres", str(folder / "pgbouncer.ini")],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        self.pgbouncer_port = port
        self.database_overrides[name] = {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{self.database}",
            "DB_BEHIND_PGBOUNCER": "true",
            "DB_CONN_MAX_AGE": "60",  # kept connections, whose repeated queries psycopg would prepare
        }

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(f"{SERVER}/{self.database}") as connection:
            return connection.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_service(_postgres_reachable(), f"no PostgreSQL at {SERVER}")
    require_service(_broker_reachable(REDIS), f"no Redis at {REDIS}")
    cluster = Cluster(tmp_path_factory.mktemp("topology"))
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{cluster.database}"')
    try:
        cluster.run("migrate", "--noinput")
        cluster.run("load_catalog")
        cluster.run("seed_demo", "--no-reports", debug=True)  # the demo's logins need DEBUG
        if PGBOUNCER:
            cluster.pgbouncer("node-b")
        cluster.start("worker", ["celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"])
        cluster.web("node-a")
        cluster.web("node-b")
        yield cluster
    finally:
        cluster.stop()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{cluster.database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def session(cluster):
    token = requests.post(
        f"{cluster.urls['node-b']}/api/v1/auth/token/",
        json={"username": "consultant", "password": PASSWORD},
        timeout=10,
    ).json()["token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


@pytest.fixture(scope="module")
def reassessment(cluster, session) -> int:
    listed = session.get(f"{cluster.urls['node-a']}/api/v1/assessments/", timeout=10).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    return next(row["id"] for row in rows if row["status"] == "collecting")


def _media_empty(cluster: Cluster) -> bool:
    return not any(
        path.is_file() for name in cluster.processes for path in (cluster.tmp_path / name).rglob("*")
    )


def test_a_report_requested_on_a_node_killed_at_once_is_downloaded_from_the_other(
    cluster, session, reassessment
):
    node_a, node_b = cluster.urls["node-a"], cluster.urls["node-b"]
    requested = session.post(
        f"{node_a}/api/v1/assessments/{reassessment}/reports/",
        json={"kind": "executive", "language": "ru"},
        timeout=30,
    )
    assert requested.status_code == 202, requested.text
    cluster.kill("node-a")  # acknowledged: from here on the request must not be lost

    report_id = requested.json()["id"]

    def ready():
        report = session.get(f"{node_b}/api/v1/reports/{report_id}/", timeout=10).json()
        assert report["status"] != "failed", report
        return report if report["status"] == "ready" else None

    report = _wait(ready, seconds=240, what=f"the worker's render ({cluster.log('worker')})")
    downloaded = session.get(f"{node_b}/api/v1/reports/{report_id}/download/", timeout=60)
    assert downloaded.status_code == 200
    assert downloaded.content[:5] == b"%PDF-"
    assert len(downloaded.content) == report["size"]
    assert hashlib.sha256(downloaded.content).hexdigest() == report["sha256"]  # as the worker wrote it
    [(stored_size,)] = cluster.sql(
        "SELECT stored.size FROM filestore_storedfile AS stored"
        " JOIN reports_report AS report ON report.file_path = stored.name WHERE report.id = %s",
        report_id,
    )
    assert stored_size == report["size"]
    assert _media_empty(cluster)  # nothing on any node's disk
    cluster.web("node-a")  # back for the next test


def test_a_background_upload_on_one_node_is_imported_by_the_worker_and_read_on_the_other(
    cluster, session, reassessment
):
    node_a, node_b = cluster.urls["node-a"], cluster.urls["node-b"]
    metrics_url = f"{node_a}/api/v1/assessments/{reassessment}/customer-metrics/"
    before = session.get(metrics_url, timeout=30).json()

    queued = session.post(
        f"{node_b}/api/v1/assessments/{reassessment}/customer-data/?background=1",
        files={"customers": ("customers.csv", CUSTOMERS.encode(), "text/csv")},
        timeout=30,
    )
    assert queued.status_code == 202, queued.text

    def imported():
        job = session.get(f"{node_a}{queued.json()['url']}", timeout=10).json()
        assert job["status"] != "failed", job
        return job["status"] == "ready"

    _wait(imported, seconds=120, what=f"the worker's import ({cluster.log('worker')})")
    after = session.get(metrics_url, timeout=30).json()
    assert after != before
    assert (
        after
        == session.get(f"{node_b}/api/v1/assessments/{reassessment}/customer-metrics/", timeout=30).json()
    )
    assert _media_empty(cluster)


def test_a_node_killed_while_receiving_an_upload_leaves_nothing_behind(cluster, session, reassessment):
    files_before = cluster.sql("SELECT count(*) FROM filestore_storedfile")
    jobs_before = cluster.sql("SELECT count(*) FROM assessment_customerdataimport")
    port = int(cluster.urls["node-a"].rsplit(":", 1)[1])
    boundary = "topology-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="customers"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    total = 8 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", port), timeout=10) as upload:
        upload.sendall(
            (
                f"POST /api/v1/assessments/{reassessment}/customer-data/?background=1 HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nAuthorization: {session.headers['Authorization']}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
            ).encode()
            + head
            + CUSTOMERS.encode() * 200
        )
        time.sleep(1)  # the node is reading the body
        cluster.kill("node-a")
    assert cluster.sql("SELECT count(*) FROM filestore_storedfile") == files_before
    assert cluster.sql("SELECT count(*) FROM assessment_customerdataimport") == jobs_before
    assert requests.get(f"{cluster.urls['node-b']}/readyz", timeout=5).status_code == 200
    assert _media_empty(cluster)


def test_node_b_served_its_requests_through_pgbouncer_in_transaction_mode(cluster, session, reassessment):
    require_service(PGBOUNCER is not None, "PgBouncer is not installed (apt-get install pgbouncer)")
    for _ in range(40):  # the same queries again and again, on connections shared between transactions
        scores = session.get(
            f"{cluster.urls['node-b']}/api/v1/assessments/{reassessment}/scores/", timeout=30
        )
        assert scores.status_code == 200, scores.text
    with psycopg.connect(
        f"postgres://postgres@127.0.0.1:{cluster.pgbouncer_port}/pgbouncer",
        autocommit=True,
        prepare_threshold=None,
    ) as admin:
        cursor = admin.execute("SHOW STATS")
        columns = [column.name for column in cursor.description]
        stats = {
            row[columns.index("database")]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()
        }
    assert stats[cluster.database]["total_xact_count"] > 10
