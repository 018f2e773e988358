from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Names serializers nested in a view after the view (`AssessmentDetailApi.InputSerializer`
    → `AssessmentDetailInput`), so the many `InputSerializer`s do not collide."""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        owner, _, nested = serializer.__class__.__qualname__.rpartition(".")
        if owner and nested in ("InputSerializer", "OutputSerializer", "QuerySerializer"):
            return owner.split(".")[-1].removesuffix("Api") + name
        return name
