"""Branding: the consulting firm's name, logo and colour, and each client's logo, on the report
cover and running header, the questionnaire's welcome page, the e-mails and the workspace.

Logos are PNG or SVG of at most LOGO_MAX_BYTES. A PNG must be one (Pillow reads it) and no
larger than LOGO_MAX_PIXELS a side. An SVG is rebuilt from an allowlist of drawing elements and
attributes: scripts, event handlers, foreign objects, style sheets and every reference outside
the file itself are dropped, and a file with a document type declaration (entities) is refused.
They are stored like every other file (default_storage), under random names."""

import base64
import io
import re
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from assessment.models import FirmBranding, Organization

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 4000
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
DEFAULT_FIRM_NAME = gettext_lazy("CX Maturity")
# White text on the colour (buttons, the report cover) must stay readable: WCAG AA for text.
MIN_CONTRAST_WITH_WHITE = 4.5

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
_SVG_ELEMENTS = {
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern",
}  # fmt: skip
_SVG_ATTRIBUTES = {
    "id", "class", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
    "rx", "ry", "d", "points", "fill", "fill-opacity", "fill-rule", "clip-rule", "stroke",
    "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-dasharray", "stroke-dashoffset", "opacity", "transform", "offset", "stop-color",
    "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod", "fx", "fy",
    "preserveAspectRatio", "clip-path", "mask", "font-family", "font-size", "font-weight",
    "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "patternUnits",
    "patternContentUnits", "patternTransform", "maskUnits", "maskContentUnits", "clipPathUnits",
    "href", "version", "style", "display", "visibility",
}  # fmt: skip
# A url(…) may only point inside the file (url(#gradient)).
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_STYLE_DANGER = re.compile(r"@import|expression\s*\(|javascript:", re.IGNORECASE)
_COLOUR = re.compile(r"^#[0-9a-f]{6}$")


def _local_name(tag: str) -> tuple[str, str]:
    namespace, _sep, name = tag.rpartition("}")
    return namespace.lstrip("{"), name


def _attribute_kept(name: str, value: str) -> bool:
    namespace, local = _local_name(name)
    if namespace not in ("", XLINK) or local not in _SVG_ATTRIBUTES or local.startswith("on"):
        return False
    if local == "href":
        return value.strip().startswith("#")
    if _EXTERNAL_URL.search(value):
        return False
    return not (local == "style" and _STYLE_DANGER.search(value))


def _svg_element_clean(element: ElementTree.Element) -> None:
    for name, value in list(element.attrib.items()):
        if not _attribute_kept(name, value):
            del element.attrib[name]
    for child in list(element):
        namespace, local = _local_name(child.tag) if isinstance(child.tag, str) else ("", "")
        if namespace != SVG or local not in _SVG_ELEMENTS:
            element.remove(child)
        else:
            _svg_element_clean(child)


def svg_clean(data: bytes) -> bytes:
    """The SVG rebuilt from what a logo needs to draw itself (see the module's docstring);
    ValidationError when it is no SVG."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise ValidationError(_("The SVG file cannot be read: %(error)s") % {"error": error}) from None
    if root.tag != f"{{{SVG}}}svg":
        raise ValidationError(_("This is no SVG image: its root element is not <svg>."))
    _svg_element_clean(root)
    ElementTree.register_namespace("", SVG)
    ElementTree.register_namespace("xlink", XLINK)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _png_check(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            size, image_format = image.size, image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The PNG file cannot be read.")) from None
    if image_format != "PNG":
        raise ValidationError(_("Upload a PNG or SVG image."))
    if max(size) > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("The image is larger than %(max)d pixels on a side.") % {"max": LOGO_MAX_PIXELS}
        )


def logo_clean(upload: UploadedFile) -> ContentFile:
    """The logo to store from an upload: a checked PNG or a cleaned SVG, named by its kind;
    ValidationError saying what is wrong."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is larger than %(size)d KB.") % {"size": LOGO_MAX_BYTES // 1024})
    data = upload.read()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _png_check(data)
        return ContentFile(data, name="logo.png")
    if upload.name.lower().endswith(".svg") or b"<svg" in data[:2048]:
        return ContentFile(svg_clean(data), name="logo.svg")
    raise ValidationError(_("Upload a PNG or SVG image."))


def _relative_luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def colour_contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white on `colour` (#rrggbb)."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def colour_check(colour: str) -> str:
    """The colour as stored (#rrggbb, lower case; "" for none); ValidationError when it is none
    or too light for white text on it."""
    colour = colour.strip().lower()
    if not colour:
        return ""
    if not _COLOUR.match(colour):
        raise ValidationError({"colour": _("Give the colour as #rrggbb, e.g. #1d4f91.")})
    contrast = colour_contrast_with_white(colour)
    if contrast < MIN_CONTRAST_WITH_WHITE:
        raise ValidationError(
            {
                "colour": _(
                    "White text on this colour is hard to read (contrast %(ratio).1f:1, at least "
                    "%(min).1f:1 needed): choose a darker one."
                )
                % {"ratio": contrast, "min": MIN_CONTRAST_WITH_WHITE}
            }
        )
    return colour


def firm_branding() -> FirmBranding:
    """The firm's branding; an unsaved empty one (the defaults) until an admin sets it."""
    return FirmBranding.objects.order_by("pk").first() or FirmBranding()


def _logo_replace(field: FieldFile, upload: UploadedFile | None, remove: bool) -> None:
    """Store the new logo (or none) in `field`; the old file goes once the change commits."""
    old = field.name
    if upload is not None:
        try:
            cleaned = logo_clean(upload)
        except ValidationError as error:
            raise ValidationError({"logo": error.messages}) from None
        field.save(cleaned.name, cleaned, save=False)
    elif remove:
        field.name = ""
    if old and field.name != old:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old))


@transaction.atomic
def firm_branding_update(
    *, name: str, colour: str, logo: UploadedFile | None = None, remove_logo: bool = False
) -> FirmBranding:
    branding = FirmBranding.objects.select_for_update().order_by("pk").first() or FirmBranding()
    branding.name = name.strip()
    branding.colour = colour_check(colour)
    _logo_replace(branding.logo, logo, remove_logo)
    branding.save()
    return branding


@transaction.atomic
def organization_logo_set(
    *, organization: Organization, logo: UploadedFile | None, remove: bool = False
) -> Organization:
    """Give the client a new logo, or none (`remove`)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _logo_replace(organization.logo, logo, remove)
    organization.save(update_fields=["logo"])
    return organization


def branding_context(request) -> dict:
    """Every page's firm: its branding, the name shown (the product's without one)."""
    branding = firm_branding()
    return {"firm": branding, "firm_name": branding.name or DEFAULT_FIRM_NAME}


def logo_data_uri(field: FieldFile) -> str | None:
    """The logo inline (data: URI), for the PDF and previews that load nothing from outside."""
    if not field:
        return None
    extension = field.name.rsplit(".", 1)[-1].lower()
    with field.storage.open(field.name, "rb") as stored:
        data = stored.read()
    return f"data:{CONTENT_TYPES[extension]};base64,{base64.b64encode(data).decode()}"
