from django.db import migrations, models


class Migration(migrations.Migration):
    """Assessments and snapshots that exist were scored by method 1 and keep it; new assessments
    take the current method."""

    dependencies = [
        ("assessment", "0019_branding"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="method_version",
            field=models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")], default=1, verbose_name="method version"),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="method_version",
            field=models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")], default=2, verbose_name="method version"),
        ),
        migrations.AddField(
            model_name="scoresnapshot",
            name="method_version",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="The scoring method the result was computed with", verbose_name="method version"
            ),
        ),
    ]
