"""Share references: the administrators' ``?ref=`` codes, their links and their figures."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition.admin.forms import ShareLinkForm
from petition.sharing import refs, share_links
from petition.sharing.posters import poster_download, share_link_urls

bp = Blueprint("share_links", __name__)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = ShareLinkForm()
    if form.validate_on_submit():
        if share_links.exists(form.code.data):
            form.code.errors.append(_("This code is already in use."))
        else:
            try:
                link = share_links.create(form.code.data, form.label.data)
            except share_links.ShareLinkError:
                form.code.errors.append(_("This code is already in use."))
            else:
                flash(_("The link with the code %(code)s is ready.", code=link.code), "success")
                return redirect(url_for(".index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/share_links.html", form=form, links=share_links.with_figures()), status


@bp.get("/<code>/poster-<lang:lang>.pdf")
def poster(code, lang):
    """A poster for the link, its label standing for who shares it, ``lang`` first."""
    link = refs.share_link(code)
    if link is None:
        abort(404)
    return poster_download(link.label, share_link_urls(link.code), lang, f"poster-{link.code}-{lang}")
