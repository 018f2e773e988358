from rest_framework.throttling import SimpleRateThrottle

from config.throttling import fail_open_cache
from config.tokens import token_hash


class CountingRateThrottle(SimpleRateThrottle):
    """Requests counted per fixed window with one atomic increment. DRF's SimpleRateThrottle keeps
    every request's timestamp in one cache entry and rewrites it on each request, which costs
    O(rate): at the 3000/min an office behind one address may use, that is a 3000-item list
    unpickled and pickled per autosave. Counted in the fail-open cache: with Redis away,
    respondents keep answering."""

    cache = fail_open_cache

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, self.duration)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's entry expired between add and incr
            self.cache.set(key, 1, self.duration)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        return self.window_end - self.now


class RespondTokenThrottle(CountingRateThrottle):
    """Requests per personal link (keyed by the token's hash, not the token)."""

    scope = "respond_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": token_hash(view.kwargs.get("token", ""))}


class RespondIpThrottle(CountingRateThrottle):
    """Requests per client address across all links (a whole office may share one)."""

    scope = "respond_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
