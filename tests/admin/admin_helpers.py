"""Steps the administration's tests share: signing in, CSRF tokens, signatures made fast."""

import re
from html import unescape

from petition.extensions import db
from petition.signing import service
from petition.signing.models import Signature
from tests.conftest import csrf_token_from

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "a long enough passphrase"


def sign_in(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, next=None):
    page = client.get("/admin/sign-in")
    token = csrf_token_from(page.get_data(as_text=True))
    path = "/admin/sign-in" + (f"?next={next}" if next else "")
    return client.post(path, data={"csrf_token": token, "email": email, "password": password})


def token(client, path="/admin/"):
    """A CSRF token of the client's session, read from an admin page."""
    return csrf_token_from(client.get(path).get_data(as_text=True))


def make_signature(
    app,
    email,
    *,
    first="Élodie",
    last="Tremblay",
    province="QC",
    city="Gatineau",
    display="full",
    ip="203.0.113.9",
    share_ref=None,
    confirm=True,
    lang="fr",
):
    """A signature made through the signing service, as the form makes them; returns its id."""
    with app.test_request_context(f"/{lang}/"):
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
                lang=lang,
                ip=ip,
                share_ref=share_ref,
            )
        )
        if confirm:
            service.confirm(signature)
        ident = signature.id
        db.session.remove()
    return ident


def signature(app, ident):
    with app.app_context():
        row = db.session.get(Signature, ident)
        db.session.expunge_all()
        return row


def public_count(client):
    return client.get("/api/count").get_json()["signatures"]


def text_of(response):
    """The page's text without tags or extra spaces, for checking what a person reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
