from rest_framework.throttling import SimpleRateThrottle

from assessment.tokens import token_hash


class RespondTokenThrottle(SimpleRateThrottle):
    """Requests per personal link (keyed by the token's hash, not the token)."""

    scope = "respond_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": token_hash(view.kwargs.get("token", ""))}


class RespondIpThrottle(SimpleRateThrottle):
    """Requests per client address across all links (a whole office may share one)."""

    scope = "respond_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
