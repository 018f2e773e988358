from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework.permissions import AllowAny

# DRF's error bodies: {"detail": "..."} or field names to their messages (config.exceptions).
ERROR_SCHEMA = {"type": "object", "additionalProperties": True}


class AutoSchema(BaseAutoSchema):
    """Names serializers nested in a view after the view (`AssessmentDetailApi.InputSerializer`
    → `AssessmentDetailInput`), so the many `InputSerializer`s do not collide; declares the
    error answers every operation can give, so clients (and schemathesis) find them."""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        owner, _, nested = serializer.__class__.__qualname__.rpartition(".")
        if owner and nested in ("InputSerializer", "OutputSerializer", "QuerySerializer"):
            return owner.split(".")[-1].removesuffix("Api") + name
        return name

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                parameter["schema"]["minimum"] = 0  # Django's <int:…> matches digits only
        places = {parameter["in"] for parameter in parameters}
        unsafe = self.method not in ("GET", "HEAD", "OPTIONS")
        errors = {}
        if unsafe or "query" in places:
            errors["400"] = _("Invalid input: the problems by field")
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            errors["401"] = _("Not signed in: no or an invalid token")
            errors["403"] = _("Not allowed")
        if "path" in places:
            errors["404"] = _("No such object in your scope")
            if unsafe:
                errors["409"] = _("The object's state does not allow this now (say, it is published)")
        if self.view.get_throttles():
            errors["429"] = _("Too many requests; retry later")
        for code, description in errors.items():
            operation["responses"].setdefault(
                code, {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
            )
        return operation
