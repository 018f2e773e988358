"""/healthz and /readyz: the probes an orchestrator calls."""

import contextlib
import socket
import threading
import time

import pytest
from django.test import Client

from tests.conftest import require_service
from tests.test_services import _broker_reachable

REDIS = ("127.0.0.1", 6379)


class TcpRelay:
    """A port that forwards to Redis while running: stopping it is, for the app, Redis stopping
    (connections refused, open ones cut), without touching the Redis the rest of the suite uses."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
        self._listener.close()
        for connection in self._open:
            connection.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def test_healthz_answers_any_host_over_plain_http_without_a_session(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["cx.example.com"]
    response = Client().get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_checks_every_service_the_embedded_setup_has(settings):
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["storage"]["service"] == settings.FILE_STORAGE


@pytest.mark.django_db
def test_readyz_names_a_failing_storage(settings, monkeypatch):
    def broken(name):
        raise PermissionError("bucket policy denies HeadObject")

    monkeypatch.setattr("config.health.default_storage.exists", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == [f"storage ({settings.FILE_STORAGE})"]
    assert "HeadObject" in response.json()["checks"]["storage"]["error"]


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_names_redis_within_two_seconds_while_it_is_stopped_and_recovers(settings):
    require_service(_broker_reachable(f"redis://{REDIS[0]}:{REDIS[1]}/0"), "no Redis at 127.0.0.1:6379")
    relay = TcpRelay(REDIS)
    relay.start()
    url = f"redis://127.0.0.1:{relay.port}/0"
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = Client()
    assert client.get("/readyz").status_code == 200

    relay.stop()
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 2
    service = f"redis at 127.0.0.1:{relay.port}"
    assert response.json()["failing"] == [f"cache ({service})", f"broker ({service})"]
    assert response.json()["checks"]["database"]["ok"] is True

    relay.start()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    relay.stop()
