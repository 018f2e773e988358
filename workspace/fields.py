"""Form fields more than one page uses."""

from django import forms
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from assessment.branding import LOGO_MAX_BYTES


class BaselineChoiceField(forms.ModelChoiceField):
    """An earlier assessment to compare with, named by title and reference date."""

    def label_from_instance(self, assessment) -> str:
        return f"{assessment.title} ({date_format(assessment.reference_date, 'SHORT_DATE_FORMAT')})"


class LogoField(forms.FileField):
    """A logo upload; assessment.branding checks and cleans the file itself."""

    def __init__(self, **kwargs):
        accept = ".png,.svg,image/png,image/svg+xml"
        super().__init__(
            label=gettext_lazy("Logo"),
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": accept}),
            help_text=format_lazy(
                gettext_lazy("PNG or SVG, at most {size} KB."), size=LOGO_MAX_BYTES // 1024
            ),
            **kwargs,
        )
