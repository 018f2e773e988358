"""Logos and colours: a PNG must be one, an SVG keeps only what draws (no scripts, handlers or
references outside the file, no entities), a colour must carry white text."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessment.branding import (
    LOGO_MAX_BYTES,
    colour_check,
    colour_contrast_with_white,
    logo_clean,
    svg_clean,
)

HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <image href="https://evil.example/x.png" width="1" height="1"/>
  <use xlink:href="https://evil.example/sprite.svg#a"/>
  <use href="#dot"/>
  <a href="javascript:alert(3)"><rect width="5" height="5"/></a>
  <rect id="dot" width="4" height="4" fill="url(https://evil.example/f)" onclick="alert(4)"
        style="fill:red;background:url(http://evil.example/b)"/>
  <circle cx="5" cy="5" r="2" fill="url(#gradient)" style="opacity:0.5"/>
</svg>"""


def _png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 60, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_svg_keeps_what_draws_and_loses_everything_that_runs_or_reaches_out():
    cleaned = svg_clean(HOSTILE_SVG).decode()
    for gone in (
        "script",
        "alert",
        "onload",
        "onclick",
        "evil.example",
        "foreignObject",
        "<style",
        "<image",
        "<a ",
    ):
        assert gone not in cleaned, gone
    assert '<use href="#dot" />' in cleaned
    assert '<rect id="dot" width="4" height="4" />' in cleaned  # the external fill and style dropped
    assert '<circle cx="5" cy="5" r="2" fill="url(#gradient)" style="opacity:0.5" />' in cleaned
    assert cleaned.startswith(
        "<?xml version='1.0' encoding='utf-8'?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "The SVG file cannot be read",
        ),
        (b"<svg", "The SVG file cannot be read"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>', "its root element is not <svg>"),
        (b"<svg><script>alert(1)</script></svg>", "its root element is not <svg>"),  # no SVG namespace
    ],
)
def test_what_is_no_clean_svg_is_refused(data, message):
    with pytest.raises(ValidationError) as error:
        svg_clean(data)
    assert message in error.value.messages[0]


def test_a_png_is_kept_as_it_is():
    data = _png()
    stored = logo_clean(SimpleUploadedFile("logo.PNG", data))
    assert (stored.name, stored.read()) == ("logo.png", data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * LOGO_MAX_BYTES, "The logo is larger than 512 KB."),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"junk", "The PNG file cannot be read."),
        ("huge.png", _png(4001, 10), "The image is larger than 4000 pixels on a side."),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "Upload a PNG or SVG image."),
        ("page.html", b"<html><script>alert(1)</script></html>", "Upload a PNG or SVG image."),
    ],
)
def test_what_is_no_png_or_svg_within_limits_is_refused(name, data, message):
    with pytest.raises(ValidationError) as error:
        logo_clean(SimpleUploadedFile(name, data))
    assert error.value.messages == [message]


def test_an_svg_upload_is_stored_cleaned():
    stored = logo_clean(SimpleUploadedFile("logo.svg", HOSTILE_SVG))
    assert stored.name == "logo.svg"
    assert b"alert" not in stored.read()


def test_a_colour_must_carry_white_text():
    # L = 0.2126 · 0.0123 + 0.7152 · 0.0782 + 0.0722 · 0.2831 = 0.0790; 1.05 / (0.0790 + 0.05) = 8.14
    assert round(colour_contrast_with_white("#1d4f91"), 2) == 8.14
    assert round(colour_contrast_with_white("#ffffff"), 2) == 1.0
    assert colour_check(" #0B6E4F ") == "#0b6e4f"
    assert colour_check("") == ""
    with pytest.raises(ValidationError) as error:
        colour_check("#ffd700")
    assert (
        "White text on this colour is hard to read (contrast 1.4:1, at least 4.5:1 needed)"
        in (error.value.message_dict["colour"][0])
    )
    with pytest.raises(ValidationError) as error:
        colour_check("red")
    assert error.value.message_dict == {"colour": ["Give the colour as #rrggbb, e.g. #1d4f91."]}
