"""Signers and share links made directly, for the sharing and signers-list tests."""

from datetime import timedelta

from petition.extensions import db
from petition.sharing.models import ShareLink
from petition.signing import service
from petition.signing.models import Signature
from petition.timeutil import utcnow


def add_signer(
    app,
    email,
    *,
    first="Élodie",
    last="Tremblay",
    display="full",
    city="Gatineau",
    province="QC",
    confirm=True,
    minutes_ago=0,
    share_ref=None,
):
    """A signature through the service (as the form would make it), confirmed unless told otherwise."""
    with app.test_request_context("/fr/"):
        signature = service.submit(
            service.Submission(
                first_name=first,
                last_name=last,
                email=email,
                province=province,
                city=city,
                display=display,
                wants_updates=False,
                consent_wording=None,
                lang="fr",
                ip="203.0.113.9",
                share_ref=share_ref,
            )
        )
        if confirm:
            service.confirm(signature)
            if minutes_ago:
                signature.confirmed_at = utcnow() - timedelta(minutes=minutes_ago)
                db.session.commit()
        ident = signature.id
        db.session.remove()
    return ident


def add_share_link(app, code, label="Newsletter"):
    with app.app_context():
        db.session.add(ShareLink(code=code, label=label))
        db.session.commit()


def signature_row(app, ident):
    with app.app_context():
        row = db.session.get(Signature, ident)
        db.session.expunge_all()
        return row
