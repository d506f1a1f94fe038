"""The export of confirmed signatures as CSV, downloaded from the administration.

The file is streamed as the rows are read (``petition.signing.export``), so a large export neither
waits nor fills memory. Email addresses go in only when the administrator ticks the box and says
why; the export, its filters and the reason are kept in the audit log before the first byte.
"""

import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, Response, render_template, send_file, stream_with_context
from flask_babel import gettext as _

from petition.admin import figures
from petition.admin.forms import DeliveryForm, ExportForm
from petition.admin.pages import bad_request
from petition.audit import record_audit
from petition.delivery.service import DeliveryFiles, make_delivery
from petition.i18n import current_language
from petition.signing.export import ExportFilterError, ExportFilters, audit_detail, count_rows, csv_chunks
from petition.timeutil import utcnow

bp = Blueprint("export", __name__)


def filters_from(form):
    return ExportFilters(
        since=form.since.data,
        until=form.until.data,
        province=form.province.data or None,
        updates=form.updates.data,
    )


@bp.get("/")
def form():
    # The running tally, not a count of the table: this page opens as fast at a million.
    return page(ExportForm())


def page(form, code=200):
    total = figures.status_figures().confirmed if code == 200 else None
    return render_template("admin/export.html", form=form, delivery=DeliveryForm(), total=total), code


@bp.post("/")
def download():
    form = ExportForm()
    if not form.validate():
        return page(form, 400)
    try:
        filters = filters_from(form)
    except ExportFilterError:
        return bad_request(_("These filters cannot be used together."))
    include_email = bool(form.include_email.data)
    reason = form.reason.data if include_email else None
    lang = current_language()
    rows = count_rows(filters)
    record_audit("export", audit_detail(filters, rows, include_email, reason, lang, "download"))
    filename = f"signatures-{today()}.csv"
    chunks = (chunk.encode("utf-8") for chunk in csv_chunks(filters, include_email=include_email, lang=lang))
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.post("/delivery")
def delivery():
    """The delivery document and the CSV it was checked against, in one ZIP file.

    Both are built while the administrator waits (some seconds per 100,000 signatures), in a
    directory that is removed at once; the ZIP lives in an unnamed file until it is sent. The
    CSRF token was checked before the view, as for every form.
    """
    stem = f"delivery-{today()}"
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it once sent)
    with tempfile.TemporaryDirectory(prefix="delivery-") as work:
        files = DeliveryFiles(Path(work) / f"{stem}.pdf", Path(work) / f"signatures-{today()}.csv")
        make_delivery(files, current_language(), destination="download")
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.write(files.pdf, files.pdf.name)
            bundle.write(files.csv, files.csv.name)
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=f"{stem}.zip")


def today():
    return utcnow().astimezone(figures.campaign_zone()).date().isoformat()
