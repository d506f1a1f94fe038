"""Making the delivery files: the PDF and the CSV beside it, both complete or neither, and the audit entry."""

import os
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from petition.audit import record_audit
from petition.delivery import document
from petition.timeutil import utcnow


@dataclass(frozen=True)
class DeliveryFiles:
    pdf: Path
    csv: Path


def make_delivery(files, lang="en", progress=None, expected=None, destination=None):
    """Write ``files`` (each first beside itself, then renamed, so that no half file is ever seen).

    Both hold personal data (names, cities), so they are readable by their owner only; the audit log
    keeps who made them, when, the counts and the digest. Returns ``document.Delivered``.
    """
    with ExitStack() as stack:
        pdf = stack.enter_context(partial_file(files.pdf))
        csv = stack.enter_context(partial_file(files.csv))
        made = document.build(pdf, csv, utcnow(), lang=lang, progress=progress, expected=expected)
        pdf.close()
        csv.close()
        os.replace(pdf.name, files.pdf)
        os.replace(csv.name, files.csv)
    record_audit(
        "delivery_document",
        {
            "to": destination or str(files.pdf),
            "pages": made.pages,
            "signatures": made.signatures,
            "named": made.named,
            "organisations": made.organisations,
            "csv_sha256": made.csv_sha256,
            "lang": lang,
        },
    )
    return made


class partial_file:
    """A file written beside ``path`` under a hidden name, removed if the work fails."""

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self):
        self.file = tempfile.NamedTemporaryFile(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".partial", delete=False
        )
        return self.file

    def __exit__(self, kind, error, traceback):
        self.file.close()
        if kind is not None and os.path.exists(self.file.name):
            os.unlink(self.file.name)
        return False
