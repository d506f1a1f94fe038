"""Steps of the signing journey, as a person takes them, for the tests."""

from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func

from petition.extensions import db
from petition.mail.outbox import drain_all
from petition.signing import intake, service
from petition.signing.models import Signature, SignatureTally
from petition.signing.sources import ip_hash
from petition.timeutil import utcnow
from tests.support import TEST_IP_HASH_KEY, csrf_token_from

VALID = {
    "first_name": "Élodie",
    "last_name": "Tremblay",
    "email": "elodie.tremblay@example.ca",
    "province": "QC",
    "city": "Gatineau",
    "display": "full",
}


def sign(client, lang="en", take_in=True, **fields):
    """Open the letter page, fill the form, send it; returns the response to the POST.

    With ``take_in``, the sender then takes the form in, as it does within a second of the
    request (signing/intake.py), so the signature and its email are there to look at.
    """
    token = csrf_token_from(client.get(f"/{lang}/").get_data(as_text=True))
    data = {**VALID, "csrf_token": token, **fields}
    response = client.post(f"/{lang}/sign", data={k: v for k, v in data.items() if v is not None})
    if take_in:
        take_in_received(client.application)
    return response


def hashed(ip):
    """An IP as signatures keep it (signing/sources.py), with the tests' key."""
    return ip_hash(ip, TEST_IP_HASH_KEY)


def take_in_received(app):
    """What the senders do first: take in the sign forms received. Returns how many."""
    with app.app_context():
        taken = intake.take_in()
        db.session.remove()
    return taken


def deliver(app):
    with app.app_context():
        sent = drain_all()
        db.session.remove()
    return sent


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def confirm_through_page(client, link):
    """Open the link (which must not confirm by itself), then press the button."""
    page = client.get(path_of(link))
    assert page.status_code == 200, page.status_code
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(path_of(link), data={"csrf_token": token})


def signatures(app, take_in=True):
    """Every signature, oldest first; with ``take_in``, once the sender has taken in the forms
    received, so that "nothing stored" also means nothing waiting to be taken in."""
    if take_in:
        take_in_received(app)
    with app.app_context():
        rows = db.session.execute(db.select(Signature).order_by(Signature.id)).scalars().all()
        db.session.expunge_all()
        return rows


def count(client):
    return client.get("/api/count").get_json()["signatures"]


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
    minutes_ago=0,
):
    """A signature made through the signing service, as the form makes them; returns its id.

    ``minutes_ago`` moves its confirmation back in time, for lists in order.
    """
    with app.test_request_context(f"/{lang}/"):
        signature_id = service.submit(
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
                ip_hash=hashed(ip),
                share_ref=share_ref,
            )
        )
        if confirm:
            signature = db.session.get(Signature, signature_id)
            service.confirm(signature)
            if minutes_ago:
                signature.confirmed_at = utcnow() - timedelta(minutes=minutes_ago)
                db.session.commit()
        db.session.remove()
    return signature_id


def signature(app, ident):
    with app.app_context():
        row = db.session.get(Signature, ident)
        db.session.expunge_all()
        return row


def running_totals():
    """Every running tally summed over its shards, zeros left out: what ``tallies.computed_totals``
    must equal."""
    rows = db.session.execute(
        db.select(SignatureTally.kind, SignatureTally.key, func.sum(SignatureTally.count)).group_by(
            SignatureTally.kind, SignatureTally.key
        )
    )
    return Counter({(kind, key): int(n) for kind, key, n in rows if n})
