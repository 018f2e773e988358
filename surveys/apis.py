from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys.i18n import SUPPORTED, language_pick
from surveys.models import Metric
from surveys.selectors import catalog_tree, catalog_version_current


class CatalogIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    question = serializers.CharField()
    levels = serializers.ListField(child=serializers.CharField(), min_length=5, max_length=5)
    weight = serializers.FloatField()
    metric = serializers.ChoiceField(choices=Metric.choices, allow_null=True)


class CatalogAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.FloatField()
    indicators = CatalogIndicatorSerializer(many=True)


class CatalogSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    language = serializers.CharField()
    areas = CatalogAreaSerializer(many=True)


class CatalogApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=list(SUPPORTED))],
        responses=CatalogSerializer,
    )
    def get(self, request):
        language = language_pick(request.query_params.get("lang"))
        return Response(catalog_tree(version=catalog_version_current(), language=language))
