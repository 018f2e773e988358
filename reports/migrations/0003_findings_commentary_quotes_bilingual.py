# Findings, the executive commentary and quotes; a recommendation's edited texts per language.

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TEXT_FIELDS = ("title", "rationale", "actions", "impact")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def _language_of(item) -> str:
    """The language an edit was written in: Russian if any of its texts has a Cyrillic letter.
    An edit used to stand for every language; now it counts for the one it is in, and a report
    in the other asks the consultant for a translation."""
    written = " ".join([item.title, item.rationale, item.impact, *item.actions])
    return "ru" if CYRILLIC.search(written) else "en"


def texts_per_language(apps, schema_editor):
    RecommendationItem = apps.get_model("reports", "RecommendationItem")
    for item in RecommendationItem.objects.all().iterator():
        language = _language_of(item)
        for field in TEXT_FIELDS:
            value = getattr(item, field)
            setattr(item, f"{field}_texts", {language: value} if value else {})
        item.save(update_fields=[f"{field}_texts" for field in TEXT_FIELDS])


def texts_one_language(apps, schema_editor):
    """Back to one text per field: English where given, else the other language's."""
    RecommendationItem = apps.get_model("reports", "RecommendationItem")
    for item in RecommendationItem.objects.all().iterator():
        for field in TEXT_FIELDS:
            texts = getattr(item, f"{field}_texts") or {}
            value = texts.get("en") or next(iter(texts.values()), None)
            setattr(item, field, value or ([] if field == "actions" else ""))
        item.save(update_fields=list(TEXT_FIELDS))


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0010_sufficiency_publishing"),
        ("reports", "0002_report_release"),
        ("surveys", "0003_invitation_email_skipped"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- a recommendation's texts per language ---------------------------------------------
        migrations.RemoveConstraint(model_name="recommendationitem", name="custom_recommendation_titled"),
        *[
            migrations.AddField(
                model_name="recommendationitem",
                name=f"{field}_texts",
                field=models.JSONField(blank=True, default=dict),
            )
            for field in TEXT_FIELDS
        ],
        migrations.RunPython(texts_per_language, texts_one_language),
        *[migrations.RemoveField(model_name="recommendationitem", name=field) for field in TEXT_FIELDS],
        *[
            migrations.RenameField(model_name="recommendationitem", old_name=f"{field}_texts", new_name=field)
            for field in TEXT_FIELDS
        ],
        migrations.AlterField(
            model_name="recommendationitem",
            name="title",
            field=models.JSONField(blank=True, default=dict, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="recommendationitem",
            name="rationale",
            field=models.JSONField(blank=True, default=dict, verbose_name="rationale"),
        ),
        migrations.AlterField(
            model_name="recommendationitem",
            name="actions",
            field=models.JSONField(blank=True, default=dict, verbose_name="actions"),
        ),
        migrations.AlterField(
            model_name="recommendationitem",
            name="impact",
            field=models.JSONField(blank=True, default=dict, verbose_name="expected impact"),
        ),
        migrations.AddConstraint(
            model_name="recommendationitem",
            constraint=models.CheckConstraint(
                condition=~models.Q(code="") | ~models.Q(title={}), name="custom_recommendation_titled"
            ),
        ),
        # --- findings ---------------------------------------------------------------------------
        migrations.CreateModel(
            name="Finding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "area",
                    models.CharField(
                        help_text="Area code of the catalog", max_length=32, verbose_name="area"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("strength", "Strength"), ("improvement", "Improvement zone")],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        blank=True, help_text="What the engine found; blank for a custom one", max_length=64
                    ),
                ),
                (
                    "facts",
                    models.JSONField(
                        blank=True, default=dict, help_text="The numbers the engine's text states"
                    ),
                ),
                ("text", models.JSONField(blank=True, default=dict, verbose_name="text")),
                ("position", models.PositiveIntegerField()),
                ("hidden", models.BooleanField(default=False, verbose_name="hidden")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="findings",
                        to="assessment.assessment",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "finding",
                "verbose_name_plural": "findings",
                "ordering": ["assessment", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=~models.Q(key=""), fields=("assessment", "key"), name="finding_key_once"
                    ),
                    models.CheckConstraint(
                        condition=~models.Q(key="") | ~models.Q(text={}), name="custom_finding_written"
                    ),
                ],
            },
        ),
        # --- the executive commentary -------------------------------------------------------------
        migrations.CreateModel(
            name="ExecutiveCommentary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.JSONField(blank=True, default=dict, verbose_name="text")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="executive_commentary",
                        to="assessment.assessment",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "executive commentary", "verbose_name_plural": "executive commentaries"},
        ),
        # --- quotes ---------------------------------------------------------------------------------
        migrations.CreateModel(
            name="Quote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area", models.CharField(max_length=32, verbose_name="area")),
                (
                    "source",
                    models.CharField(
                        choices=[("comment", "Respondent's comment"), ("interview", "Interview note")],
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                ("original", models.TextField(max_length=4000, verbose_name="original")),
                (
                    "original_language",
                    models.CharField(
                        choices=[("en", "English"), ("ru", "Russian")],
                        max_length=8,
                        verbose_name="language of the original",
                    ),
                ),
                ("translations", models.JSONField(blank=True, default=dict, verbose_name="translations")),
                ("position", models.PositiveIntegerField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "answer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.answer",
                    ),
                ),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quotes",
                        to="assessment.assessment",
                    ),
                ),
                (
                    "interview_score",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assessment.interviewscore",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "quote",
                "verbose_name_plural": "quotes",
                "ordering": ["assessment", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(answer__isnull=False),
                        fields=("assessment", "answer"),
                        name="quote_answer_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(interview_score__isnull=False),
                        fields=("assessment", "interview_score"),
                        name="quote_interview_once",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            source="comment", answer__isnull=False, interview_score__isnull=True
                        )
                        | models.Q(source="interview", answer__isnull=True, interview_score__isnull=False),
                        name="quote_one_source",
                    ),
                ],
            },
        ),
    ]
