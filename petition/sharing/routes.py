"""Share links of organisations (``/<lang>/o/<slug>``), QR codes, and an organisation's figures."""

from flask import Blueprint, abort, current_app, render_template, request, url_for

from petition.letter.page import render_letter
from petition.links import public_url
from petition.security import private_link
from petition.sharing import refs
from petition.sharing.posters import organisation_urls, poster_download
from petition.sharing.qr import qr_code
from petition.sharing.stats import organisation_figures, token_opens

bp = Blueprint("sharing", __name__)

QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def organisation_or_404(slug):
    entry = refs.organisation(slug)
    if entry is None:
        abort(404)
    return entry


@bp.get("/<lang:lang>/o/<slug>")
def organisation(lang, slug):
    """The letter, "shared by" the organisation; signatures made from here are credited to it."""
    entry = organisation_or_404(slug)
    refs.remember_organisation(entry.slug)
    return render_letter(lang, shared_by=entry)


def qr_response(url, kind, download_name):
    response = current_app.response_class(qr_code(url, kind), mimetype=QR_TYPES[kind])
    response.headers["Cache-Control"] = "public, max-age=86400"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{download_name}.{kind}"'
    return response


@bp.get("/<lang:lang>/o/<slug>/qr.<any(svg, png):kind>")
def organisation_qr(lang, slug, kind):
    """The QR code of an organisation's share link, for posters (``?download=1`` to save it)."""
    entry = organisation_or_404(slug)
    url = public_url("sharing.organisation", lang=lang, slug=entry.slug)
    return qr_response(url, kind, f"qr-{entry.slug}-{lang}")


@bp.get("/<lang:lang>/qr.<any(svg, png):kind>")
def letter_qr(lang, kind):
    """The QR code of the letter, or of an administrator's ``?ref=`` link when the code exists."""
    link = refs.share_link((request.args.get("ref") or "").strip().lower())
    if link is None:
        return qr_response(refs.share_url(lang), kind, f"qr-letter-{lang}")
    return qr_response(refs.share_url(lang, refs.CODE + link.code), kind, f"qr-{link.code}-{lang}")


@bp.get("/<lang:lang>/o/<slug>/stats/<token>")
@private_link
def organisation_stats(lang, slug, token):
    """An organisation's own figures and share tools, at a private link issued by an administrator."""
    entry = organisation_or_404(slug)
    if not token_opens(token, entry.slug):
        abort(403)
    return render_template(
        "sharing/stats.html",
        organisation=entry,
        figures=organisation_figures(entry.slug),
        share=refs.share_target(lang, refs.ORGANISATION + entry.slug),
        poster=url_for("sharing.organisation_poster", lang=lang, slug=entry.slug, token=token),
    )


@bp.get("/<lang:lang>/o/<slug>/stats/<token>/poster.pdf")
@private_link
def organisation_poster(lang, slug, token):
    """The organisation's poster, from its private figures page (the poster itself holds no secret)."""
    entry = organisation_or_404(slug)
    if not token_opens(token, entry.slug):
        abort(403)
    return poster_download(entry.name, organisation_urls(entry.slug), lang, f"poster-{entry.slug}-{lang}")
