"""Probes for the orchestrator. `/healthz`: the process answers (no dependency is asked, so a
database outage does not get every web node restarted). `/readyz`: the services a request may
need (database, cache, broker, file storage) each answer within READY_TIMEOUT; otherwise 503
naming the failing ones, so the node is taken out of the load balancer until they are back.

A small module rather than django-health-check: that library's Celery check sends a task and
waits for a worker to run it (a web node is ready without one), and its checks share no deadline,
while a stopped Redis must be named within two seconds."""

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from kombu import Connection

# Every check runs at once; whichever has not answered by then is reported as timed out.
READY_TIMEOUT = 1.5
# A few workers shared by every probe: a flood of probes waits on them rather than on threads.
_checks_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


def _database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections["default"].close()  # a thread of the pool: its connection would linger


def _cache() -> None:
    try:
        _cache_round_trip()
    except Exception:  # whatever the backend raises
        # A pooled connection an outage cut fails once before the pool makes a new one.
        _cache_round_trip()


def _cache_round_trip() -> None:
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("a value written could not be read back")
    cache.delete(key)


def _broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return  # eager mode: tasks run inside the request
    with Connection(url, connect_timeout=1, transport_options={"socket_connect_timeout": 1}) as connection:
        connection.ensure_connection(max_retries=0, timeout=1)


def _storage() -> None:
    # Asking about a name that is never stored reaches the backend (a query, a HEAD request, a
    # stat) without writing anything.
    default_storage.exists(f"readyz/{uuid.uuid4().hex}")


def _service_of(url: str, *, fallback: str) -> str:
    """The service behind a URL, e.g. "redis at 127.0.0.1:6379" (never its password)."""
    parts = urlsplit(url)
    if not url or parts.scheme == "memory":
        return fallback
    return f"{parts.scheme} at {parts.hostname}:{parts.port}" if parts.hostname else parts.scheme


def _services() -> dict[str, str]:
    """What each check reaches, so a failure names it (e.g. "redis at 127.0.0.1:6379")."""
    database = settings.DATABASES["default"]
    return {
        "database": f"{connections['default'].vendor}"
        + (
            f" at {database['HOST']}:{database.get('PORT') or 'default port'}" if database.get("HOST") else ""
        ),
        "cache": _service_of(settings.CACHES["default"].get("LOCATION") or "", fallback="in-process"),
        "broker": _service_of(settings.CELERY_BROKER_URL, fallback="in-process (eager)"),
        "storage": settings.FILE_STORAGE,
    }


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
}


def readiness() -> dict[str, dict[str, object]]:
    """Each check's outcome: {"ok": bool, "service": str, "error": str (when not ok)}."""
    futures = {name: _checks_pool.submit(check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=READY_TIMEOUT)
    services = _services()
    outcome: dict[str, dict[str, object]] = {}
    for name, future in futures.items():
        service = services[name]
        if not future.done():
            future.cancel()
            error = f"no answer within {READY_TIMEOUT} s"
        elif exception := future.exception():
            error = f"{type(exception).__name__}: {exception}"[:300]
        else:
            outcome[name] = {"ok": True, "service": service}
            continue
        outcome[name] = {"ok": False, "service": service, "error": error}
    return outcome


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    checks = readiness()
    failing = [name for name, check in checks.items() if not check["ok"]]
    body = {
        "status": "unavailable" if failing else "ok",
        "failing": [f"{name} ({checks[name]['service']})" for name in failing],
        "checks": checks,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }
    return JsonResponse(body, status=503 if failing else 200)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    """Answers the probes before any other middleware: an orchestrator calls them over plain
    HTTP at the node's own address, which neither the HTTPS redirect nor ALLOWED_HOSTS allow,
    and they need no session, language or user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        probe = PROBES.get(request.path_info) if request.method in ("GET", "HEAD") else None
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        add_never_cache_headers(response)
        return response
