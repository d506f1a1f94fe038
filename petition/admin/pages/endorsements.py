"""Endorsements: the list, add, edit, remove, reorder, the lead signatory, import, stats links."""

import csv
import os
import tempfile

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition.admin.forms import EndorsementForm, ImportForm
from petition.admin.pages import bad_request, get_or_404
from petition.audit import record_audit
from petition.counts import forget_counts
from petition.endorsements import manage as endorsements
from petition.endorsements.importer import ImportFileError, import_endorsements
from petition.endorsements.listing import forget_entries
from petition.endorsements.models import Endorsement
from petition.i18n import format_number
from petition.links import public_url
from petition.sharing.posters import organisation_urls, poster_download
from petition.sharing.stats import stats_url

bp = Blueprint("endorsements", __name__)


def slug_taken_message(slug):
    return _("The short name %(slug)s is already used by another organisation.", slug=slug)


@bp.get("/")
def index():
    return render_template("admin/endorsements/index.html", entries=endorsements.ordered())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = EndorsementForm()
    if form.validate_on_submit():
        slug = form.slug.data or endorsements.slug_from(form.name.data)
        if not slug:
            form.slug.errors.append(_("Please give a short name made of letters and digits."))
        elif endorsements.slug_taken(slug):
            form.slug.errors.append(slug_taken_message(slug))
        else:
            entry = endorsements.add(form.name.data, slug, form.is_lead.data)
            flash(_("%(name)s is added at the end of the list.", name=entry.name), "success")
            return redirect(url_for(".index", _anchor=f"e-{entry.id}"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/endorsements/form.html", form=form, entry=None), status


@bp.route("/<id:endorsement_id>", methods=["GET", "POST"])
def edit(endorsement_id):
    entry = get_or_404(Endorsement, endorsement_id)
    form = EndorsementForm(obj=entry)
    if form.validate_on_submit():
        slug = form.slug.data or entry.slug
        if endorsements.slug_taken(slug, other_than=entry):
            form.slug.errors.append(slug_taken_message(slug))
        else:
            endorsements.edit(entry, form.name.data, slug, form.is_lead.data)
            flash(_("The changes are saved."), "success")
            return redirect(url_for(".index", _anchor=f"e-{entry.id}"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/endorsements/form.html",
        form=form,
        entry=entry,
        share_urls={lang: public_url("sharing.organisation", lang=lang, slug=entry.slug) for lang in ("en", "fr")},
    ), status


@bp.get("/<id:endorsement_id>/poster-<lang:lang>.pdf")
def poster(endorsement_id, lang):
    """The organisation's poster, ``lang`` first, to print or to send to the organisation."""
    entry = get_or_404(Endorsement, endorsement_id)
    return poster_download(entry.name, organisation_urls(entry.slug), lang, f"poster-{entry.slug}-{lang}")


@bp.route("/<id:endorsement_id>/remove", methods=["GET", "POST"])
def remove(endorsement_id):
    entry = get_or_404(Endorsement, endorsement_id)
    if request.method == "GET":
        return render_template("admin/endorsements/remove.html", entry=entry)
    name = entry.name
    endorsements.remove(entry)
    flash(_("%(name)s is removed from the list.", name=name), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/<id:endorsement_id>/move")
def move(endorsement_id):
    entry = get_or_404(Endorsement, endorsement_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        return bad_request(_("Move up or down only."))
    endorsements.move(entry, direction)
    return redirect(url_for(".index", _anchor=f"e-{entry.id}"), code=303)


@bp.post("/<id:endorsement_id>/lead")
def lead(endorsement_id):
    entry = get_or_404(Endorsement, endorsement_id)
    is_lead = endorsements.toggle_lead(entry)
    if is_lead:
        flash(_("%(name)s is now the lead signatory.", name=entry.name), "success")
    else:
        flash(_("%(name)s is no longer the lead signatory.", name=entry.name), "success")
    return redirect(url_for(".edit", endorsement_id=entry.id), code=303)


@bp.post("/<id:endorsement_id>/stats-link")
def stats_link(endorsement_id):
    """Issue the organisation's private link to its figures, to pass on to the organisation."""
    entry = get_or_404(Endorsement, endorsement_id)
    links = {lang: stats_url(entry.slug, lang) for lang in ("en", "fr")}
    record_audit("stats link issued", {"id": entry.id, "name": entry.name, "slug": entry.slug})
    return render_template("admin/endorsements/stats_link.html", entry=entry, links=links)


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Import a CSV file as ``flask endorsements import`` does (columns name, slug, lead)."""
    form = ImportForm()
    limit = current_app.config["ADMIN_IMPORT_MAX_BYTES"]
    if request.method == "GET":
        return render_template("admin/endorsements/import.html", form=form, limit=limit)
    too_large = _("The file is too large (%(size)s bytes at most).", size=format_number(limit))
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return bad_request(too_large, code=413)
    if not form.validate():
        return render_template("admin/endorsements/import.html", form=form, limit=limit), 400
    upload = form.file.data
    data = upload.read(limit + 1)
    if len(data) > limit:
        return bad_request(too_large, code=413)
    name = os.path.basename(upload.filename or "upload.csv")
    if b"\x00" in data:
        problem = _("%(name)s is not a text file (it holds NUL characters).", name=name)
        return render_template("admin/endorsements/import.html", form=form, limit=limit, problem=problem), 400
    try:
        report = import_upload(data, name, form.remove_missing.data)
    except (ImportFileError, csv.Error) as error:
        return render_template("admin/endorsements/import.html", form=form, limit=limit, problem=str(error)), 400
    record_audit(
        "endorsements imported",
        {
            "file": name,
            "added": len(report.added),
            "updated": len(report.updated),
            "removed": len(report.removed),
            "unchanged": report.unchanged,
        },
    )
    return render_template("admin/endorsements/imported.html", report=report, name=name)


def import_upload(data, name, remove_missing):
    """Import the uploaded bytes through the command's importer; messages name the upload, not a temp file."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.csv")
        with open(path, "wb") as file:
            file.write(data)
        try:
            report = import_endorsements(path, remove_missing=remove_missing)
        except (ImportFileError, csv.Error) as error:
            raise type(error)(str(error).replace(path, name)) from error
        finally:
            forget_entries()
            forget_counts()
    return report
