"""A PDF's text as poppler's pdftotext reads it (what a reader copying from the file gets)."""

import shutil
import subprocess
from pathlib import Path

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdftotext(path: Path, *, page: int | None = None, raw: bool = False) -> str:
    """The text of the whole file or of one page (1-based); `raw` keeps the content-stream
    order, which reads a rotated word letter by letter."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    arguments = [PDFTOTEXT, *(["-raw"] if raw else []), *pages, str(path), "-"]
    # Our own test file and fixed options: no untrusted input reaches the command.
    return subprocess.run(arguments, capture_output=True, text=True, check=True).stdout  # noqa: S603
