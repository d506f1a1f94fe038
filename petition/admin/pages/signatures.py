"""Signatures: search, one signature and its history, hiding and invalidating, trending sources."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from petition.admin.forms import BulkInvalidateForm, ReasonForm, SearchForm
from petition.admin.pages import bad_request, get_or_404
from petition.audit import record_audit
from petition.database import id_or_400
from petition.i18n import format_number
from petition.provinces import PROVINCES
from petition.signing import moderation
from petition.signing.models import Signature
from petition.signing.trending import trending

bp = Blueprint("signatures", __name__)


def province_names():
    return {code: str(name) for code, name in PROVINCES}


@bp.get("/")
def search():
    form = SearchForm(request.args)
    before = request.args.get("before")
    before = id_or_400(before) if before is not None else None
    if not form.validate():
        return render_template("admin/signatures/search.html", form=form, rows=[], filters=None), 400
    filters = moderation.SearchFilters.from_form(form)
    per_page = current_app.config["ADMIN_PAGE_SIZE"]
    rows, next_before = moderation.search(filters, before=before, limit=per_page)
    matching = moderation.count_matching(filters) if filters.narrows else None
    return render_template(
        "admin/signatures/search.html",
        form=form,
        filters=filters,
        rows=rows,
        next_before=next_before,
        before=before,
        matching=matching,
        provinces=province_names(),
    )


@bp.get("/<id:signature_id>")
def show(signature_id):
    signature = get_or_404(Signature, signature_id)
    return render_template(
        "admin/signatures/show.html",
        signature=signature,
        history=moderation.history(signature),
        event_labels=moderation.EVENT_LABELS,
        reason_form=ReasonForm(),
        provinces=province_names(),
    )


@bp.post("/<id:signature_id>/hide")
def hide(signature_id):
    signature = get_or_404(Signature, signature_id)
    if moderation.hide(signature):
        flash(_("The name is hidden from the public list. The signature still counts."), "success")
    return redirect(url_for(".show", signature_id=signature.id), code=303)


@bp.post("/<id:signature_id>/unhide")
def unhide(signature_id):
    signature = get_or_404(Signature, signature_id)
    if moderation.unhide(signature):
        flash(_("The name is shown on the public list again, as the signer chose."), "success")
    return redirect(url_for(".show", signature_id=signature.id), code=303)


@bp.post("/<id:signature_id>/invalidate")
def invalidate(signature_id):
    signature = get_or_404(Signature, signature_id)
    form = ReasonForm()
    if not form.validate():
        return bad_request(_("The reason is too long (500 characters at most)."))
    if moderation.invalidate(signature, reason=form.reason.data):
        flash(_("The signature is invalidated. The counts no longer include it."), "success")
    else:
        flash(_("Nothing changed: the signature was already invalidated."), "info")
    return redirect(url_for(".show", signature_id=signature.id), code=303)


def bulk_preview(form, filters, status=200, changed_from=None):
    matching = moderation.count_matching(filters, invalidatable_only=True)
    form.expected.data = matching
    return render_template(
        "admin/signatures/bulk_invalidate.html",
        form=form,
        filters=filters,
        matching=matching,
        confirmed=moderation.count_confirmed_matching(filters),
        changed_from=changed_from,
    ), status


@bp.get("/invalidate")
def bulk_invalidate_preview():
    """How many signatures the search would invalidate, and the form to agree to it."""
    search_form = SearchForm(request.args)
    if not search_form.validate():
        return bad_request(_("The search is not valid. Please go back and correct it."))
    filters = moderation.SearchFilters.from_form(search_form)
    if not filters.narrows:
        return bad_request(_("Narrow the search first (by name, address, domain, IP or share reference)."))
    form = BulkInvalidateForm(formdata=None, data=filters.as_args())
    return bulk_preview(form, filters)


@bp.post("/invalidate")
def bulk_invalidate():
    form = BulkInvalidateForm()
    if not form.validate():
        filters = moderation.SearchFilters.from_form(form)
        if form.errors.keys() - {"reason"} or not filters.narrows:
            return bad_request(_("The search is not valid. Please go back and correct it."))
        return bulk_preview(form, filters, status=400)
    filters = moderation.SearchFilters.from_form(form)
    if not filters.narrows:
        return bad_request(_("Narrow the search first (by name, address, domain, IP or share reference)."))
    expected = form.expected.data
    matching = moderation.count_matching(filters, invalidatable_only=True)
    if matching != expected:
        # Signatures came or went since the administrator saw the number: they agree again.
        return bulk_preview(form, filters, status=409, changed_from=expected)
    done = moderation.invalidate_matching(filters, batch_size=current_app.config["ADMIN_BULK_BATCH_SIZE"])
    record_audit(
        "bulk invalidate",
        {"filters": filters.as_args(), "expected": expected, "invalidated": done, "reason": form.reason.data},
    )
    flash(
        ngettext(
            "%(count)s signature invalidated. The counts no longer include it.",
            "%(count)s signatures invalidated. The counts no longer include them.",
            done,
            count=format_number(done),
        ),
        "success",
    )
    return redirect(url_for(".search", **filters.as_args()), code=303)


@bp.get("/trending")
def trending_sources():
    ips, domains = trending()
    config = current_app.config
    return render_template(
        "admin/signatures/trending.html",
        ips=ips,
        domains=domains,
        ip_threshold=config["ADMIN_TRENDING_IP_THRESHOLD"],
        domain_threshold=config["ADMIN_TRENDING_DOMAIN_THRESHOLD"],
    )
