from django.db import migrations, models

CHOICES = [("closed", "Closed accounts"), ("inactive", "Inactive for more than 90 days"), ("both", "Closed or inactive")]
HELP = "What counts as churn: closed accounts, inactivity or both (method 2)"


class Migration(migrations.Migration):
    """Customer data stored before has metrics computed from closures only and says so
    (closed); new customer data counts both closed and inactive clients by default."""

    dependencies = [
        ("assessment", "0020_method_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerdataimport",
            name="churn_basis",
            field=models.CharField(blank=True, choices=CHOICES, max_length=8, verbose_name="churn basis"),
        ),
        migrations.AddField(
            model_name="customerdataset",
            name="churn_basis",
            field=models.CharField(
                choices=CHOICES, default="closed", help_text=HELP, max_length=8, verbose_name="churn basis"
            ),
        ),
        migrations.AlterField(
            model_name="customerdataset",
            name="churn_basis",
            field=models.CharField(
                choices=CHOICES, default="both", help_text=HELP, max_length=8, verbose_name="churn basis"
            ),
        ),
        migrations.AddConstraint(
            model_name="customerdataset",
            constraint=models.CheckConstraint(
                condition=models.Q(("churn_basis__in", ["closed", "inactive", "both"])), name="churn_basis_known"
            ),
        ),
    ]
