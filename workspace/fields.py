"""Form fields more than one page uses."""

from django import forms
from django.utils.formats import date_format


class BaselineChoiceField(forms.ModelChoiceField):
    """An earlier assessment to compare with, named by title and reference date."""

    def label_from_instance(self, assessment) -> str:
        return f"{assessment.title} ({date_format(assessment.reference_date, 'SHORT_DATE_FORMAT')})"
