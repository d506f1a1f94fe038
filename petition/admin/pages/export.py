"""The export of confirmed signatures as CSV, downloaded from the administration.

The file is streamed as the rows are read (``petition.signing.export``), so a large export neither
waits nor fills memory. Email addresses go in only when the administrator ticks the box and says
why; the export, its filters and the reason are kept in the audit log before the first byte.
"""

from flask import Blueprint, Response, render_template, stream_with_context
from flask_babel import gettext as _

from petition.admin import figures
from petition.admin.forms import ExportForm
from petition.admin.pages import bad_request
from petition.audit import record_audit
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
    return render_template("admin/export.html", form=ExportForm(), total=figures.status_figures().confirmed)


@bp.post("/")
def download():
    form = ExportForm()
    if not form.validate():
        return render_template("admin/export.html", form=form, total=None), 400
    try:
        filters = filters_from(form)
    except ExportFilterError:
        return bad_request(_("These filters cannot be used together."))
    include_email = bool(form.include_email.data)
    reason = form.reason.data if include_email else None
    lang = current_language()
    rows = count_rows(filters)
    record_audit("export", audit_detail(filters, rows, include_email, reason, lang, "download"))
    filename = f"signatures-{utcnow().astimezone(figures.campaign_zone()).date().isoformat()}.csv"
    chunks = (chunk.encode("utf-8") for chunk in csv_chunks(filters, include_email=include_email, lang=lang))
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
