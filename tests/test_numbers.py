"""The one number formatter (config.numbers): half up from the unrounded value, once, in the
active language's format; the template filters say the same as the Python function."""

import pytest
from django.template import engines
from django.utils import translation

from assessment.presenters import numbers_rounded
from config.numbers import NO_DATA, number_round, number_text


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (61.25, 1, 61.3),  # exactly halfway in binary too: round() would give 61.2
        (9.35, 1, 9.4),  # the float is 9.3499…: half up on its shortest decimal form
        (77.745, 2, 77.75),
        (77.7449, 1, 77.7),
        (-2.25, 1, -2.3),  # half away from zero, as people round
        (0.5, 0, 1.0),
        (2.5, 0, 3.0),  # round() would give 2
        (None, 1, None),
        (float("nan"), 1, None),
    ],
)
def test_number_round_is_half_up(value, digits, expected):
    assert number_round(value, digits) == expected


def test_number_text_follows_the_active_language():
    assert number_text(72.44) == "72.4"
    assert number_text(-0.42, digits=2, signed=True) == "\u22120.42"
    assert number_text(0.12, digits=2, signed=True) == "+0.12"
    assert number_text(-0.04) == "0.0"  # rounds to zero: no sign
    assert number_text(12345.678, digits=0) == "12,346"
    assert number_text(None) == NO_DATA
    with translation.override("ru"):
        assert number_text(72.39999) == "72,4"
        assert number_text(12345.678, digits=0) == "12\xa0346"


def test_template_filters_are_built_in_and_agree_with_python():
    template = engines["django"].from_string(
        "{{ a|number:1 }} {{ b|signed:1 }} {{ c|number:0 }}|{{ d|number:1 }}|"
    )
    assert template.render({"a": 61.25, "b": -9.35, "c": 2.5, "d": None}) == "61.3 \u22129.4 3||"
    with translation.override("ru"):
        assert template.render({"a": 9.35, "b": 0.04, "c": 1234.5, "d": None}) == "9,4 0,0 1\xa0235||"


def test_api_numbers_are_rounded_once_at_two_decimals():
    assert numbers_rounded({"a": [61.245, {"b": 9.355}], "c": 3, "d": None}) == {
        "a": [61.25, {"b": 9.36}],
        "c": 3,
        "d": None,
    }


def test_negative_digits_drop_the_decimals_of_whole_numbers():
    assert number_text(20.0, digits=-1) == "20"
    assert number_text(12.5, digits=-1) == "12.5"
    assert number_text(-3.04, digits=-1) == "\u22123"
