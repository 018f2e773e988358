"""Request limits that keep serving while the shared cache (Redis) is away: their counts go to a
cache in the process's memory until it is back. Each process then counts on its own, so a limit
is looser by the number of processes for that time, but answering and signing in go on."""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)

# After a failure the shared cache is tried again only this much later: a dead Redis costs one
# failed connection per process and interval, not one per request.
SHARED_CACHE_RETRY_SECONDS = 10


class FailOpenCache:
    """The default cache for counting requests or, for SHARED_CACHE_RETRY_SECONDS after it
    failed, one in this process's memory. The first failure of an outage is logged as a warning,
    the recovery once as information."""

    def __init__(self):
        # Room for a count per personal link and client address of a busy minute.
        self.local = LocMemCache("fail-open-counts", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self._shared_retry_at = 0.0  # time.monotonic()
        self._outage = False

    def _call(self, method: str, *args):
        if time.monotonic() >= self._shared_retry_at:
            try:
                result = getattr(caches["default"], method)(*args)
            except (RedisError, OSError) as error:
                self._shared_retry_at = time.monotonic() + SHARED_CACHE_RETRY_SECONDS
                if not self._outage:
                    self._outage = True
                    logger.warning("Cache unreachable; request limits count in each process: %s", error)
            else:
                if self._outage:
                    self._outage = False
                    logger.info("The cache is reachable again; request limits are shared again.")
                return result
        return getattr(self.local, method)(*args)

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout)

    def add(self, key, value, timeout):
        return self._call("add", key, value, timeout)

    def incr(self, key):
        """Raises ValueError for a missing key, as every cache does."""
        return self._call("incr", key)


fail_open_cache = FailOpenCache()


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """DRF's per-view-scope limit, counting in the fail-open cache."""

    cache = fail_open_cache
