"""Prometheus metrics at /metrics. Requests by view and status and their latency come from
django-prometheus' middleware (labelled by view name, never by path, so no token reaches a
label); the background jobs are read from their status rows at scrape time (the rows are the
truth shared by every worker, wherever it runs); autosaves are counted where they happen.

The page is for the monitoring system only: with METRICS_TOKEN set it needs
`Authorization: Bearer <token>`; without, it answers only a direct connection from this machine.
Anyone else gets 404."""

import hmac
import ipaddress
import logging
import os

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily

from config.celery import queue_waiting
from config.jobs import Job

logger = logging.getLogger(__name__)

AUTOSAVES = Counter("cx_autosaves", "Autosave requests of respondents that stored answers")
AUTOSAVED_ANSWERS = Counter("cx_autosaved_answers", "Answers stored by autosaves")


def _job_models() -> list[type[Job]]:
    return [model for model in apps.get_models() if issubclass(model, Job)]


class OperationsCollector:
    """Jobs by kind and status, the time finished jobs took, and the tasks waiting in the queue."""

    def collect(self):
        jobs = GaugeMetricFamily("cx_jobs", "Background jobs by kind and status", labels=["kind", "status"])
        durations = SummaryMetricFamily(
            "cx_job_duration_seconds", "Time the finished background jobs took", labels=["kind", "status"]
        )
        for model in _job_models():
            kind = model._meta.label_lower
            rows = model.objects.values("status").annotate(count=Count("pk"), seconds=Sum("seconds"))
            for row in rows.order_by("status"):
                jobs.add_metric([kind, row["status"]], row["count"])
                if row["seconds"] is not None:
                    durations.add_metric(
                        [kind, row["status"]], count_value=row["count"], sum_value=row["seconds"]
                    )
        yield jobs
        yield durations
        try:
            waiting = queue_waiting()
        except Exception as error:  # the broker's own errors vary by transport
            logger.warning("Queue length unavailable for /metrics: %s", error)
        else:
            yield GaugeMetricFamily(
                "cx_queue_length", "Tasks waiting in the default queue for a worker", value=waiting
            )


# Not described up front: collecting queries the database, which may not exist yet at import.
_operations = CollectorRegistry(auto_describe=False)
_operations.register(OperationsCollector())


def _allowed(request: HttpRequest) -> bool:
    if settings.METRICS_TOKEN:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(offered.encode(), settings.METRICS_TOKEN.encode())
    if settings.BEHIND_PROXY or "X-Forwarded-For" in request.headers:
        return False  # the proxy's own address says nothing about who asked
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _process_metrics() -> bytes:
    # Under gunicorn with several workers each process counts apart; PROMETHEUS_MULTIPROC_DIR
    # (a folder shared by the node's workers) lets one scrape sum them.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(_process_metrics() + generate_latest(_operations), content_type=CONTENT_TYPE_LATEST)
