"""The API's JSON parser, with a limit on nesting: Python's json module recurses once per level,
so a body nested a thousand deep would end in RecursionError (a 500) rather than a 400."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Far deeper than any request of this API needs (a list of answer objects is two levels).
JSON_MAX_DEPTH = 32


def json_depth(value) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), walked level by level
    rather than recursively."""
    depth = 0
    level = [value]
    while containers := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        level = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, dict) else container)
        ]
    return depth


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = json_depth(data) > JSON_MAX_DEPTH
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ParseError(
                _("JSON parse error - nested deeper than %(depth)d levels.") % {"depth": JSON_MAX_DEPTH}
            )
        return data
