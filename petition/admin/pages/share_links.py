"""Share references: the administrators' ``?ref=`` codes, their links and their figures."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition.admin.forms import ShareLinkForm
from petition.sharing import share_links

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
