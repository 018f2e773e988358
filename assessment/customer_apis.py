from decimal import Decimal
from typing import get_args

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant
from assessment.churn import churn_model_current
from assessment.customer_data import customer_data_request_max_bytes, customer_data_upload
from assessment.customer_files import KINDS, SERVQUAL_DIMENSIONS, CustomerFilesInvalid, template_csv
from assessment.drivers import QUADRANTS as DRIVER_QUADRANTS
from assessment.drivers import TARGETS as DRIVER_TARGETS
from assessment.exports import customer_metrics_current, customers_classified_frame
from assessment.kpis import KPIS, KpiSource, assessment_kpis, assessment_kpis_set, kpi_values_problems
from assessment.loyalty import ACTIVITY_SEGMENTS, CSI_BANDS, LOYALTY_TYPES
from assessment.metrics import kpi_metrics, metric
from assessment.models import ChurnBasis, CustomerDataImport, CustomerDataset
from assessment.selectors import (
    assessment_scope,
    key_drivers_current,
    managed_assessment_scope,
)
from config.jobs import JobStatus
from config.request_limits import body_limit
from config.schema import ERROR_SCHEMA
from config.spreadsheets import XLSX_TYPE, table_download


class CustomerDataSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = CustomerDataset
        fields = ["files", "period_start", "period_end", "discount_rate", "churn_basis", "updated_at"]

    def get_files(self, dataset) -> dict:
        # The storage path stays internal.
        return {kind: {"name": info["name"], "rows": info["rows"]} for kind, info in dataset.files.items()}


class CustomerFileProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class CustomerFileProblemsSerializer(serializers.Serializer):
    errors = CustomerFileProblemSerializer(many=True)
    error_count = serializers.IntegerField()


class CustomerDataImportOutputSerializer(serializers.ModelSerializer):
    """An import job as its uploader polls it."""

    problems = CustomerFileProblemsSerializer(
        allow_null=True, help_text=_("Every problem, when the files were refused")
    )
    dataset = serializers.SerializerMethodField()

    class Meta:
        model = CustomerDataImport
        fields = [
            "id",
            "assessment",
            "status",
            "progress",
            "error",
            "problems",
            "created_at",
            "finished_at",
            "dataset",
        ]
        read_only_fields = fields

    @extend_schema_field(CustomerDataSerializer(allow_null=True))
    def get_dataset(self, job) -> dict | None:
        # The data as stored now: a later upload may have replaced some of what this one brought.
        if job.status != JobStatus.READY:
            return None
        dataset = CustomerDataset.objects.filter(assessment_id=job.assessment_id).first()
        return CustomerDataSerializer(dataset).data if dataset else None


@body_limit(customer_data_request_max_bytes)
class CustomerDataApi(APIView):
    parser_classes = [MultiPartParser]

    class QuerySerializer(serializers.Serializer):
        background = serializers.BooleanField(
            default=False, help_text=_("Import in the background (202) whatever the size")
        )

    class InputSerializer(serializers.Serializer):
        customers = serializers.FileField(required=False)
        survey = serializers.FileField(required=False)
        mystery_shopping = serializers.FileField(required=False)
        complaints = serializers.FileField(required=False)
        contact_centre = serializers.FileField(required=False)
        period_start = serializers.DateField(required=False)
        period_end = serializers.DateField(required=False)
        discount_rate = serializers.DecimalField(
            max_digits=5, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("0.99"), required=False
        )
        churn_basis = serializers.ChoiceField(
            choices=ChurnBasis.choices,
            required=False,
            help_text=_(
                "What counts as churn under method 2: closed accounts, clients inactive for more "
                "than 90 days before the period's end, or both (the default); kept when left out"
            ),
        )

        def validate(self, data):
            if not any(kind in data for kind in KINDS):
                raise serializers.ValidationError(
                    _("Upload at least one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}
                )
            return data

    class ImportQueuedSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=JobStatus.choices)
        progress = serializers.IntegerField()
        url = serializers.CharField(help_text=_("Where to follow the import"))

    @extend_schema(responses=CustomerDataSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        return Response(
            CustomerDataSerializer(get_object_or_404(CustomerDataset, assessment=assessment)).data
        )

    @extend_schema(
        parameters=[QuerySerializer],
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OpenApiResponse(CustomerDataSerializer, description=_("Imported")),
            202: OpenApiResponse(ImportQueuedSerializer, description=_("Queued for the background")),
            413: OpenApiResponse(ERROR_SCHEMA, description=_("A file or the request over its size limit")),
            503: OpenApiResponse(ERROR_SCHEMA, description=_("The task queue is not reachable; retry later")),
        },
        description=_(
            "Replace the uploaded kinds of customer data atomically. A file with any problem is "
            "refused (400) with every problem listed by file, row and column; nothing is stored. "
            "Uploads of CUSTOMER_DATA_INLINE_MAX_BYTES or more together (5 MB by default), or any "
            "upload with ?background=1, are imported in the background instead: the answer is 202 "
            "with the import's id and url, and GET on that url tells its status, progress, any "
            "problems and, once ready, the stored data. A published assessment (409), a file over "
            "the size limit (413) or one that is no CSV or XLSX file (400) is refused at once either way."
        ),
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        uploads = {kind: values[kind] for kind in KINDS if kind in values}
        options = {
            "period_start": values.get("period_start"),
            "period_end": values.get("period_end"),
            "discount_rate": values.get("discount_rate"),
            "churn_basis": values.get("churn_basis"),
        }
        try:
            result = customer_data_upload(
                assessment=assessment,
                user=request.user,
                uploads=uploads,
                background=query.validated_data["background"],
                **options,
            )
        except CustomerFilesInvalid as invalid:
            return Response(invalid.as_detail(), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(result, CustomerDataset):
            return Response(CustomerDataSerializer(result).data, status=status.HTTP_201_CREATED)
        job = result
        queued = {
            "id": job.pk,
            "status": job.status,
            "progress": job.progress,
            "url": reverse("api:customer-data-import", args=[job.pk]),
        }
        return Response(self.ImportQueuedSerializer(queued).data, status=status.HTTP_202_ACCEPTED)


class CustomerDataImportApi(APIView):
    @extend_schema(
        responses=CustomerDataImportOutputSerializer,
        description=_(
            "A background customer-data import: queued, running, ready (with the stored data) or "
            "failed (with its error and, when the files were refused, every problem by file, row "
            "and column; the data stored before stay as they were)."
        ),
    )
    def get(self, request, import_id: int):
        # Only the assessment's consultants: the import is part of running the audit.
        job = get_object_or_404(
            CustomerDataImport.objects.filter(assessment__in=managed_assessment_scope(user=request.user)),
            pk=import_id,
        )
        return Response(CustomerDataImportOutputSerializer(job).data)


# --- The customer metrics as GET …/customer-metrics/ returns them (assessment.loyalty) -------------
# Every section is null without its inputs (no data), never 0. These describe the schema; the
# stored metrics are returned as they are.


def _per_name(name: str, names, field_factory) -> type[serializers.Serializer]:
    """A serializer with one field per name (loyalty types, activity segments, …)."""
    return serializers.SerializerMetaclass(
        name, (serializers.Serializer,), {key: field_factory() for key in names}
    )


def _by_name() -> serializers.DictField:
    """Name (branch, standard, segment, item) → value, null where there is none."""
    return serializers.DictField(child=serializers.FloatField(allow_null=True))


class _EvidenceSampleSerializer(serializers.Serializer):
    """A metric that can give data evidence: its sample, and whether that sample is large enough
    for it to be evidence (docs/methods.md §3.4); given for the overall value, not per segment."""

    sample = serializers.IntegerField(
        required=False, help_text=_("What the value was computed from: ratings, clients or visits")
    )
    sufficient = serializers.BooleanField(
        required=False,
        help_text=_("false: a small sample, shown but not used as evidence for the indicator scores"),
    )


class NpsSerializer(_EvidenceSampleSerializer):
    """The NPS of the relationship, from the `nps` and `nps_relationship` ratings."""

    score = serializers.FloatField(help_text=metric("nps").label)
    promoters = serializers.FloatField()
    passives = serializers.FloatField()
    detractors = serializers.FloatField()
    n = serializers.IntegerField()
    ci95 = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class NpsTransactionalSerializer(serializers.Serializer):
    """The NPS of single interactions, from the `nps_transactional` ratings only; shown, never
    evidence, so it has no sample judged."""

    score = serializers.FloatField(help_text=metric("nps_transactional").label)
    promoters = serializers.FloatField()
    passives = serializers.FloatField()
    detractors = serializers.FloatField()
    n = serializers.IntegerField()
    ci95 = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class CommentsSerializer(serializers.Serializer):
    """The survey's open answers among the answers that count."""

    count = serializers.IntegerField(help_text=_("Answers with a comment"))
    clients = serializers.IntegerField(help_text=_("Clients who left a comment"))
    by_instrument = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("Answers with a comment per survey instrument, as the file names it"),
    )


class CsiSerializer(_EvidenceSampleSerializer):
    score = serializers.FloatField(help_text=metric("csi").label)
    band = serializers.ChoiceField(choices=[band for band, _edge in CSI_BANDS])
    items = serializers.DictField(child=serializers.FloatField())
    n = serializers.IntegerField()


ServqualGapsSerializer = _per_name(
    "ServqualGapsSerializer", SERVQUAL_DIMENSIONS, lambda: serializers.FloatField(allow_null=True)
)


class ServqualSerializer(_EvidenceSampleSerializer):
    gaps = ServqualGapsSerializer()
    index = serializers.FloatField(allow_null=True, help_text=metric("servqual").label)
    n = serializers.IntegerField()
    paired = serializers.IntegerField(
        required=False, help_text=_("Clients who answered both the expectation and the perception questions")
    )


class MysteryShoppingSerializer(_EvidenceSampleSerializer):
    compliance = serializers.FloatField(allow_null=True, help_text=metric("mystery_shopping").label)
    by_branch = _by_name()
    by_standard = _by_name()
    visits = serializers.IntegerField()


class ProductLoadSerializer(serializers.Serializer):
    overall = serializers.FloatField(help_text=metric("product_load").label)
    by_segment = _by_name()


LoyaltyTypesSerializer = _per_name("LoyaltyTypesSerializer", LOYALTY_TYPES, serializers.IntegerField)
ActivitySerializer = _per_name("ActivitySerializer", ACTIVITY_SEGMENTS, serializers.IntegerField)


class ChurnSerializer(serializers.Serializer):
    """Churn of the period (docs/methods.md §7.8). Method 1 gives the first four fields only
    (closures, the period's rate as it is); method 2 all of them."""

    rate = serializers.FloatField(
        help_text=_(
            "Annual churn rate, %: under method 2 annualised from the period when `annualised` is true"
        )
    )
    closed = serializers.IntegerField(help_text=_("Clients active at the start who closed within the period"))
    active_at_start = serializers.IntegerField()
    period = serializers.ListField(child=serializers.DateField(), min_length=2, max_length=2)
    inactive = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text=_(
            "Clients active at the start, not closed within the period, with no activity for more "
            "than 90 days before its end; null when the file has no activity dates"
        ),
    )
    churned = serializers.IntegerField(
        required=False, help_text=_("Clients counted as churned under the basis, each once")
    )
    basis = serializers.ChoiceField(choices=ChurnBasis.choices, required=False)
    period_rate = serializers.FloatField(required=False, help_text=_("The churn rate over the period, %"))
    days = serializers.IntegerField(required=False, help_text=_("The period's days, both ends included"))
    annualised = serializers.BooleanField(
        required=False, help_text=_("true: the period is not a year and `rate` is annualised from it")
    )


class ClvSerializer(serializers.Serializer):
    overall = serializers.FloatField(help_text=metric("clv").label)
    by_segment = _by_name()
    discount_rate = serializers.FloatField()


def _interval(help_text=None) -> serializers.ListField:
    """A 95 % Wilson interval [low, high] in %, null without a sample."""
    return serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True, help_text=help_text
    )


class _SampleJudgedSerializer(serializers.Serializer):
    sample = serializers.IntegerField()
    sufficient = serializers.BooleanField()


class _SectionSamplesSerializer(_EvidenceSampleSerializer):
    """A section with several metrics that can give data evidence, each on its own sample."""

    samples = serializers.DictField(
        child=_SampleJudgedSerializer(),
        required=False,
        help_text=_("Each metric's sample and whether it is sufficient, by metric key"),
    )


class ComplaintsSerializer(_SectionSamplesSerializer):
    """The complaints opened within the period (docs/methods.md §7.10)."""

    count = serializers.IntegerField()
    outside_period = serializers.IntegerField(help_text=_("Complaints opened outside the period, left out"))
    clients = serializers.IntegerField(
        allow_null=True, help_text=_("Clients active at the period's end; null without a customers file")
    )
    per_1000 = serializers.FloatField(allow_null=True, help_text=metric("complaints_per_1000").label)
    per_1000_ci95 = _interval(
        _("The interval (95 %) of the rate per 1,000: the Poisson score interval of the count")
    )
    annualised = serializers.BooleanField(
        help_text=_("true: the period is not a year and per_1000 is scaled to one")
    )
    closed = serializers.IntegerField()
    open = serializers.IntegerField()
    median_resolution_days = serializers.FloatField(
        allow_null=True, help_text=metric("complaint_resolution_days").label
    )
    regulator = serializers.IntegerField()
    regulator_share = serializers.FloatField(
        allow_null=True, help_text=metric("complaints_regulator_share").label
    )
    regulator_ci95 = _interval()
    resolved = serializers.IntegerField()
    resolved_share = serializers.FloatField(allow_null=True, help_text=_("Complaints resolved, %"))
    resolved_ci95 = _interval()
    by_channel = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())


class _CallsSerializer(serializers.Serializer):
    offered = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_within_sla = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    first_contact_resolved = serializers.IntegerField()
    service_level = serializers.FloatField(
        allow_null=True, help_text=_("Calls answered within the target time over the calls offered, %")
    )
    abandonment = serializers.FloatField(
        allow_null=True, help_text=_("Abandoned calls over the calls offered, %")
    )
    fcr = serializers.FloatField(
        allow_null=True, help_text=_("Calls resolved at the first contact over the calls answered, %")
    )
    avg_handle_seconds = serializers.FloatField(
        allow_null=True, help_text=_("Average handle time in seconds, weighted by the calls answered")
    )


class ContactCentreSerializer(_CallsSerializer, _SectionSamplesSerializer):
    """The contact centre over the rows dated within the period (docs/methods.md §7.10)."""

    rows = serializers.IntegerField()
    outside_period = serializers.IntegerField(help_text=_("Rows dated outside the period, left out"))
    service_level_ci95 = _interval()
    abandonment_ci95 = _interval()
    fcr_ci95 = _interval()
    by_channel = serializers.DictField(child=_CallsSerializer())


class SegmentMetricsSerializer(serializers.Serializer):
    nps = NpsSerializer(allow_null=True)
    nps_transactional = NpsTransactionalSerializer(allow_null=True)
    csi = CsiSerializer(allow_null=True)
    loyalty_types = LoyaltyTypesSerializer(allow_null=True)
    churn = ChurnSerializer(allow_null=True)
    product_load = serializers.FloatField(allow_null=True)
    clv = serializers.FloatField(allow_null=True)


class CustomerMetricsSerializer(serializers.Serializer):
    nps = NpsSerializer(allow_null=True)
    nps_transactional = NpsTransactionalSerializer(allow_null=True)
    csi = CsiSerializer(allow_null=True)
    servqual = ServqualSerializer(allow_null=True)
    comments = CommentsSerializer(
        allow_null=True, help_text=_("Open answers; null for a survey stored before it had comments")
    )
    mystery_shopping = MysteryShoppingSerializer(allow_null=True)
    product_load = ProductLoadSerializer(allow_null=True)
    loyalty_types = LoyaltyTypesSerializer(allow_null=True, help_text=_("Loyalty types"))
    churn = ChurnSerializer(allow_null=True)
    clv = ClvSerializer(allow_null=True)
    activity = ActivitySerializer(allow_null=True, help_text=_("Activity segments"))
    complaints = ComplaintsSerializer(
        allow_null=True, required=False, help_text=_("Complaints; null without a complaints file")
    )
    contact_centre = ContactCentreSerializer(
        allow_null=True, required=False, help_text=_("Contact centre; null without a contact-centre file")
    )
    by_segment = serializers.DictField(child=SegmentMetricsSerializer(), help_text=_("By customer segment"))


class CustomerMetricsApi(APIView):
    @extend_schema(responses=CustomerMetricsSerializer)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        return Response(customer_metrics_current(assessment=assessment))


# The states of an analysis the API reports (named in the OpenAPI schema: config.settings).
CHURN_MODEL_STATUSES = ["ready", "running", "insufficient_data", "failed"]
ANALYSIS_STATUSES = ["ready", "insufficient_data"]


class ChurnDriverSerializer(serializers.Serializer):
    feature = serializers.CharField(help_text=_("A column of the customers file, tenure_days or survey_…"))
    importance = serializers.FloatField(help_text=_("Drop of the ROC AUC when the feature is shuffled"))
    direction = serializers.ChoiceField(choices=["raises", "lowers", "mixed"])


class ChurnCalibrationSerializer(serializers.Serializer):
    decile = serializers.IntegerField(help_text=_("1: the tenth of clients at the lowest risk"))
    clients = serializers.IntegerField()
    predicted = serializers.FloatField(help_text=_("Mean predicted risk"))
    observed = serializers.FloatField(help_text=_("Share that churned"))


class ChurnAtRiskSerializer(serializers.Serializer):
    clients = serializers.IntegerField(help_text=_("Active clients with a risk of 0.5 or more"))
    annual_margin = serializers.FloatField(help_text=_("Their annual margin together"))


class ChurnModelSerializer(serializers.Serializer):
    """The churn-risk model (docs/methods.md §13); only `status` and `reason` (and `progress`
    while running) until it is ready."""

    status = serializers.ChoiceField(choices=CHURN_MODEL_STATUSES)
    reason = serializers.CharField(allow_null=True)
    progress = serializers.IntegerField(required=False, help_text=_("Per cent done, while running"))
    model = serializers.ChoiceField(
        choices=["gradient_boosting", "logistic_regression"], required=False, allow_null=True
    )
    clients = serializers.IntegerField(required=False, help_text=_("Clients active at the period's start"))
    churned = serializers.IntegerField(required=False, help_text=_("Of them, churned in the period"))
    auc = serializers.FloatField(required=False, allow_null=True, help_text=_("ROC AUC out of fold"))
    auc_ci = serializers.ListField(child=serializers.FloatField(), required=False, allow_null=True)
    brier = serializers.FloatField(required=False, allow_null=True)
    top_decile_lift = serializers.FloatField(required=False, allow_null=True)
    calibration = ChurnCalibrationSerializer(many=True, required=False, allow_null=True)
    drivers = ChurnDriverSerializer(many=True, required=False, allow_null=True)
    at_risk = ChurnAtRiskSerializer(required=False, allow_null=True)
    churn_point_value = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text=_(
            "Value at stake in one percentage point of churn: active clients × CLV / 100 (an estimate)"
        ),
    )


class ChurnModelApi(APIView):
    @extend_schema(responses={200: ChurnModelSerializer, 404: ERROR_SCHEMA})
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        current = churn_model_current(assessment=assessment)
        if current is None:
            raise Http404(_("No customer data yet."))
        return Response(current)


class KeyDriverSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text=_("csi:<item>, servqual:<dimension>, an x_ attribute or attribute=value")
    )
    importance = serializers.FloatField(help_text=_("Relative weight: the share of R² it accounts for"))
    ci = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text=_("Bootstrap interval (95 %)")
    )
    performance = serializers.FloatField(
        allow_null=True, help_text=_("Mean rating as 0–100; null for an attribute")
    )
    quadrant = serializers.ChoiceField(
        choices=list(DRIVER_QUADRANTS.values()),
        allow_null=True,
        help_text=_(
            "Importance × performance, split at the drivers' means: fix (important, rated low: act "
            "first), keep, maybe_overdone, low_priority; null for an attribute"
        ),
    )


class KeyDriversSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ANALYSIS_STATUSES)
    reason = serializers.CharField(allow_null=True)
    target = serializers.ChoiceField(choices=list(DRIVER_TARGETS))
    n = serializers.IntegerField(help_text=_("Clients with the rating and every predictor"))
    r2 = serializers.FloatField(allow_null=True)
    drivers = KeyDriverSerializer(many=True)


class KeyDriversApi(APIView):
    class QuerySerializer(serializers.Serializer):
        target = serializers.ChoiceField(choices=list(DRIVER_TARGETS), default="nps")

    @extend_schema(parameters=[QuerySerializer], responses={200: KeyDriversSerializer, 404: ERROR_SCHEMA})
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        drivers = key_drivers_current(assessment=assessment, target=query.validated_data["target"])
        if drivers is None:
            raise Http404(_("No customer survey yet."))
        return Response(drivers)


class CustomersApi(APIView):
    """Classified active clients, so the bank can act on them (e.g. win back the captive)."""

    class QuerySerializer(serializers.Serializer):
        type = serializers.ChoiceField(choices=list(LOYALTY_TYPES), required=False)
        segment = serializers.CharField(required=False)
        page = serializers.IntegerField(min_value=1, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=500, default=100)
        order = serializers.ChoiceField(choices=["churn_risk", "-churn_risk"], required=False)
        # Not `format`: DRF reads that one to choose a renderer.
        export = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)

    @extend_schema(
        parameters=[QuerySerializer],
        responses={
            (200, "application/json"): inline_serializer(
                "ClassifiedCustomers",
                {
                    "count": serializers.IntegerField(),
                    "page": serializers.IntegerField(),
                    "pages": serializers.IntegerField(),
                    "results": serializers.ListField(child=serializers.DictField()),
                },
            ),
            # ?export=csv|xlsx: the whole filtered table as a file.
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        table = customers_classified_frame(assessment=assessment)
        if table is None:
            raise Http404(_("No customer data yet."))
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "type" in params:
            table = table[table["type"] == params["type"]]
        if "segment" in params:
            table = table[table["segment"] == params["segment"]]
        if "order" in params:
            table = table.sort_values(
                "churn_risk", ascending=not params["order"].startswith("-"), na_position="last", kind="stable"
            )
        if "export" in params:
            return table_download(table, filename=f"customers-{assessment.pk}", file_format=params["export"])
        pages = max(1, -(-len(table) // params["page_size"]))
        page = min(params["page"], pages)
        rows = table.iloc[(page - 1) * params["page_size"] : page * params["page_size"]]
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        return Response({"count": len(table), "page": page, "pages": pages, "results": records})


class CustomerTemplateApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=KINDS)],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        auth=[],
    )
    def get(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response


class KpiSerializer(serializers.Serializer):
    """One KPI (assessment.kpis.Kpi)."""

    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    source = serializers.ChoiceField(choices=list(get_args(KpiSource)), allow_null=True)


# One field per KPI of the registry, so the schema names every code.
KpiValuesSerializer = serializers.SerializerMetaclass(
    "KpiValuesSerializer",
    (serializers.Serializer,),
    {code: KpiSerializer(help_text=entry.label) for code, entry in KPIS.items()},
)


class KpisOutputSerializer(serializers.Serializer):
    kpis = KpiValuesSerializer()


class KpisApi(APIView):
    class InputSerializer(serializers.Serializer):
        kpis = serializers.DictField(child=serializers.FloatField(allow_null=True), allow_empty=False)

        def validate_kpis(self, value):
            unknown = sorted(set(value) - {entry.key for entry in kpi_metrics()})
            if unknown:
                raise serializers.ValidationError(
                    _("Unknown KPI(s): %(codes)s.") % {"codes": ", ".join(unknown)}
                )
            problems = kpi_values_problems(value)
            if problems:
                raise serializers.ValidationError({code: [problem] for code, problem in problems.items()})
            return value

    @extend_schema(responses=KpisOutputSerializer)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        return Response({"kpis": assessment_kpis(assessment=assessment)})

    @extend_schema(request=InputSerializer, responses=KpisOutputSerializer)
    def put(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = assessment_kpis_set(
            assessment=assessment, values=data.validated_data["kpis"], actor=request.user
        )
        return Response({"kpis": assessment_kpis(assessment=assessment)})
