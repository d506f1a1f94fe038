"""Steps of an organisation's journey onto the list, as its contact and an administrator take them."""

from petition.endorsements import joining, review
from petition.endorsements.request_models import EndorsementRequest
from petition.extensions import db
from tests.support import csrf_token_from

ASKED = {
    "name": "Islamic Center of Quebec",
    "website": "https://icq.example.ca",
    "province": "QC",
    "contact_name": "Amina Diallo",
    "contact_email": "amina@example.ca",
    "authorised": "y",
}
# The bundled list's own spelling of the organisation above.
TWIN = "Islamic Centre of Quebec"


def ask(client, lang="en", **fields):
    """Open the form, fill it in, send it; returns the response to the POST. ``None`` leaves a field out."""
    token = csrf_token_from(client.get(f"/{lang}/endorse").get_data(as_text=True))
    data = {**ASKED, "csrf_token": token, **fields}
    return client.post(f"/{lang}/endorse", data={k: v for k, v in data.items() if v is not None})


def make_request(app, name=ASKED["name"], email=ASKED["contact_email"], lang="en", confirm=True, **values):
    """A request made through the service as the form makes it; returns its id."""
    asked = joining.Asked(
        name=name,
        website=values.get("website"),
        province=values.get("province"),
        contact_name=values.get("contact_name", ASKED["contact_name"]),
        contact_email=email,
        lang=lang,
    )
    with app.test_request_context(f"/{lang}/"):
        request_id = joining.submit(asked)
        if confirm:
            joining.confirm(db.session.get(EndorsementRequest, request_id))
        db.session.remove()
    return request_id


def approve(app, request_id, name=None):
    with app.test_request_context("/"):
        endorsement = review.approve(db.session.get(EndorsementRequest, request_id), name)
        slug = endorsement.slug
        db.session.remove()
    return slug


def request_row(app, request_id):
    with app.app_context():
        row = db.session.get(EndorsementRequest, request_id)
        db.session.expunge_all()
        return row


def requests(app):
    with app.app_context():
        rows = db.session.execute(db.select(EndorsementRequest).order_by(EndorsementRequest.id)).scalars().all()
        db.session.expunge_all()
        return rows
