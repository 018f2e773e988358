from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.apis import assessment_for_consultant
from assessment.customer_data import customer_data_replace, dataset_frames
from assessment.customer_files import KINDS, CustomerFilesInvalid, template_csv
from assessment.kpis import KPIS, assessment_kpis, assessment_kpis_set
from assessment.loyalty import LOYALTY_TYPES, client_loyalty, customer_metrics
from assessment.models import CustomerDataset
from assessment.selectors import assessment_scope
from assessment.spreadsheets import table_download


class CustomerDataSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = CustomerDataset
        fields = ["files", "period_start", "period_end", "discount_rate", "updated_at"]

    def get_files(self, dataset) -> dict:
        # The storage path stays internal.
        return {kind: {"name": info["name"], "rows": info["rows"]} for kind, info in dataset.files.items()}


class CustomerDataApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        customers = serializers.FileField(required=False)
        survey = serializers.FileField(required=False)
        mystery_shopping = serializers.FileField(required=False)
        period_start = serializers.DateField(required=False)
        period_end = serializers.DateField(required=False)
        discount_rate = serializers.DecimalField(
            max_digits=5, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("0.99"), required=False
        )

        def validate(self, data):
            if not any(kind in data for kind in KINDS):
                raise serializers.ValidationError(
                    _("Upload at least one of: customers, survey, mystery_shopping.")
                )
            return data

    @extend_schema(responses=CustomerDataSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        return Response(
            CustomerDataSerializer(get_object_or_404(CustomerDataset, assessment=assessment)).data
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: CustomerDataSerializer},
        description=_(
            "Replace the uploaded kinds of customer data atomically. A file with any problem is "
            "refused (400) with every problem listed by file, row and column; nothing is stored."
        ),
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            dataset = customer_data_replace(
                assessment=assessment,
                user=request.user,
                uploads={kind: values[kind] for kind in KINDS if kind in values},
                period_start=values.get("period_start"),
                period_end=values.get("period_end"),
                discount_rate=values.get("discount_rate"),
            )
        except CustomerFilesInvalid as invalid:
            return Response(invalid.as_detail(), status=status.HTTP_400_BAD_REQUEST)
        return Response(CustomerDataSerializer(dataset).data, status=status.HTTP_201_CREATED)


class CustomerMetricsApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        dataset = CustomerDataset.objects.filter(assessment=assessment).first()
        if dataset is None:
            metrics = customer_metrics(
                customers=None,
                survey=None,
                mystery=None,
                period_start=assessment.reference_date,
                period_end=assessment.reference_date,
                reference_date=assessment.reference_date,
            )
        else:
            metrics = dataset.metrics
        return Response(metrics)


class CustomersApi(APIView):
    """Classified active clients, so the bank can act on them (e.g. win back the captive)."""

    class QuerySerializer(serializers.Serializer):
        type = serializers.ChoiceField(choices=list(LOYALTY_TYPES), required=False)
        segment = serializers.CharField(required=False)
        page = serializers.IntegerField(min_value=1, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=500, default=100)
        # Not `format`: DRF reads that one to choose a renderer.
        export = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)

    @extend_schema(
        parameters=[QuerySerializer],
        responses=inline_serializer(
            "ClassifiedCustomers",
            {
                "count": serializers.IntegerField(),
                "page": serializers.IntegerField(),
                "pages": serializers.IntegerField(),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
        if "customers" not in frames:
            raise Http404(_("No customer data yet."))
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        table = client_loyalty(
            frames["customers"], frames.get("survey"), assessment.reference_date
        ).reset_index()
        if "type" in params:
            table = table[table["type"] == params["type"]]
        if "segment" in params:
            table = table[table["segment"] == params["segment"]]
        if "export" in params:
            return table_download(table, filename=f"customers-{assessment.pk}", file_format=params["export"])
        pages = max(1, -(-len(table) // params["page_size"]))
        page = min(params["page"], pages)
        rows = table.iloc[(page - 1) * params["page_size"] : page * params["page_size"]]
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        return Response({"count": len(table), "page": page, "pages": pages, "results": records})


class CustomerTemplateApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, auth=[])
    def get(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response


class KpisApi(APIView):
    class InputSerializer(serializers.Serializer):
        kpis = serializers.DictField(child=serializers.FloatField(allow_null=True), allow_empty=False)

        def validate_kpis(self, value):
            unknown = sorted(set(value) - set(KPIS))
            if unknown:
                raise serializers.ValidationError(
                    _("Unknown KPI(s): %(codes)s.") % {"codes": ", ".join(unknown)}
                )
            return value

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        return Response({"kpis": assessment_kpis(assessment=assessment)})

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = assessment_kpis_set(assessment=assessment, values=data.validated_data["kpis"])
        return Response({"kpis": assessment_kpis(assessment=assessment)})
