"""A stranger who knows an address whose signature is pending cannot change what its owner confirms.

Each test goes through the real SMTP server: the owner's email, its link, the confirmation page,
and what the public then sees.
"""

import pytest

from petition.extensions import db
from petition.signing.models import Signature, SignatureEvent, SignatureStatus
from tests.mailserver import html_of, link_in, text_of
from tests.signing_helpers import VALID, confirm_through_page, count, deliver, path_of, sign, signatures
from tests.support import csrf_token_from

OWNER = {
    "first_name": "Élodie",
    "last_name": "Tremblay",
    "email": "elodie.tremblay@example.ca",
    "province": "QC",
    "city": "Gatineau",
    "display": "none",
}
STRANGER = {
    "first_name": "Hector",
    "last_name": "Fakename",
    "email": "Elodie.Tremblay@example.ca",  # the same inbox, written otherwise
    "province": "AB",
    "city": "Calgary",
    "display": "full",
    "updates": "y",
}


@pytest.fixture
def app_config(mail_config):
    return mail_config


def public_pages(client):
    return "".join(client.get(path).get_data(as_text=True) for path in ("/en/", "/fr/", "/en/signatures"))


def only_signature(app):
    [signature] = signatures(app)
    return signature


def test_the_owners_link_confirms_the_owners_details_after_a_stranger_signs_with_the_address(
    app, client, mail_server, endorsements
):
    sign(client, **OWNER)
    deliver(app)
    [owners_email] = mail_server.messages
    owners_link = link_in(owners_email, "confirm")

    stranger = app.test_client()
    assert sign(stranger, **STRANGER).status_code == 303
    deliver(app)

    # The owner's link was retired with the details it was sent for: it confirms nothing else.
    page = client.get(path_of(owners_link))
    assert page.status_code == 400
    assert only_signature(app).status == SignatureStatus.PENDING

    # The newest email went to the owner's inbox and says what its link would confirm.
    newest = mail_server.messages[-1]
    assert newest["To"] == STRANGER["email"]
    assert "Hector Fakename" in text_of(newest) and "Calgary" in text_of(newest)
    assert "Updates about this campaign by email: yes" in text_of(newest)
    # The owner does not open it. Nothing the stranger wrote is public, and nothing counts.
    assert count(client) == 0
    assert "Fakename" not in public_pages(client)
    signature = only_signature(app)
    assert signature.confirmed_at is None


def test_a_link_opened_before_a_stranger_signs_cannot_confirm_the_strangers_details(
    app, client, mail_server, endorsements
):
    """The owner opens the page; the stranger signs; the owner presses the button."""
    sign(client, **OWNER)
    deliver(app)
    link = link_in(mail_server.messages[0], "confirm")
    page = client.get(path_of(link))
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))

    sign(app.test_client(), **STRANGER)
    deliver(app)

    pressed = client.post(path_of(link), data={"csrf_token": token})
    assert pressed.status_code == 400
    signature = only_signature(app)
    assert signature.status == SignatureStatus.PENDING
    assert count(client) == 0
    assert "Fakename" not in public_pages(client)


def test_the_owner_can_still_confirm_their_own_details_from_a_new_email(app, client, mail_server, endorsements):
    sign(client, **OWNER)
    deliver(app)
    sign(app.test_client(), **STRANGER)
    deliver(app)
    # The owner signs again with their own details, and confirms from the email that says them.
    sign(client, **OWNER)
    deliver(app)
    newest = mail_server.messages[-1]
    assert "Your name will not be shown on the public list" in text_of(newest)
    assert confirm_through_page(client, link_in(newest, "confirm")).status_code == 303

    signature = only_signature(app)
    assert signature.status == SignatureStatus.CONFIRMED
    assert (signature.first_name, signature.last_name, signature.city, signature.province) == (
        "Élodie",
        "Tremblay",
        "Gatineau",
        "QC",
    )
    assert signature.display == "none"
    assert not signature.wants_updates and signature.updates_consented_at is None
    assert count(client) == 1
    assert "Fakename" not in public_pages(client) and "Élodie" not in client.get("/en/signatures").get_data(True)


def test_the_same_details_again_keep_the_link_already_sent(app, client, mail_server):
    sign(client, **OWNER)
    deliver(app)
    first_link = link_in(mail_server.messages[0], "confirm")
    sign(client, **OWNER)
    deliver(app)
    assert len(mail_server.messages) == 2
    # Not compared with the second email's link: a token carries the second it was signed in, so
    # the two differ when the emails straddle a second. What matters is that the first still opens.
    assert link_in(mail_server.messages[1], "confirm").rsplit("/", 1)[0] == first_link.rsplit("/", 1)[0]
    assert confirm_through_page(client, first_link).status_code == 303
    assert only_signature(app).status == SignatureStatus.CONFIRMED


def test_past_the_days_cap_a_stranger_changes_nothing(app, client, mail_server):
    app.config["SIGNATURE_EMAILS_PER_DAY"] = 1
    sign(client, **OWNER)
    deliver(app)
    link = link_in(mail_server.messages[0], "confirm")
    sign(app.test_client(), **STRANGER)
    deliver(app)
    assert len(mail_server.messages) == 1, "no second email past the cap"
    signature = only_signature(app)
    assert signature.first_name == "Élodie" and not signature.wants_updates
    # So the owner's link still confirms what its email said.
    assert confirm_through_page(client, link).status_code == 303
    assert only_signature(app).display == "none"


def test_a_confirmed_signatures_details_never_change_through_the_form(app, client, mail_server, endorsements):
    sign(client, **OWNER)
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[0], "confirm"))
    before = only_signature(app)

    sign(app.test_client(), **STRANGER)
    deliver(app)
    after = only_signature(app)
    for name in ("first_name", "last_name", "email", "province", "city", "display", "wants_updates", "token_nonce"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.updates_consented_at is None
    assert "already signed" in mail_server.messages[-1]["Subject"]
    assert "Fakename" not in public_pages(client)


def test_a_consent_to_updates_is_recorded_only_from_the_submission_whose_link_was_used(app, client, mail_server):
    sign(client, **OWNER)
    deliver(app)
    sign(app.test_client(), **STRANGER)  # with updates ticked
    deliver(app)
    sign(client, **OWNER)  # without
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[-1], "confirm"))
    signature = only_signature(app)
    assert signature.status == SignatureStatus.CONFIRMED
    assert not signature.wants_updates
    assert signature.updates_consented_at is None and signature.consent_wording is None


@pytest.mark.parametrize(
    ("lang", "display", "shown", "updates"),
    [
        ("en", "full", "Your name on the public list: Élodie Tremblay", "Updates about this campaign by email: no"),
        ("en", "initial", "Your name on the public list: Élodie T.", "Updates about this campaign by email: no"),
        (
            "fr",
            "none",
            "Votre nom ne sera pas affiché dans la liste publique",
            "Nouvelles de la campagne par courriel\u00a0: oui",
        ),
        ("fr", "full", "Votre nom dans la liste publique\u00a0: Élodie Tremblay", "par courriel\u00a0: non"),
    ],
)
def test_the_email_and_the_page_show_everything_that_confirming_makes_true(
    app, client, mail_server, lang, display, shown, updates
):
    fields = {"display": display} | ({"updates": "y"} if updates.endswith("oui") else {})
    sign(client, lang, **fields)
    deliver(app)
    [message] = mail_server.messages
    province = "Quebec" if lang == "en" else "Québec"
    for text in (text_of(message), html_of(message)):
        assert shown in text
        assert VALID["city"] in text and province in text
        assert updates in text
    page = client.get(path_of(link_in(message, "confirm"))).get_data(as_text=True)
    assert shown in page and VALID["city"] in page and province in page and updates in page


def test_the_history_says_what_happened(app, client, mail_server):
    sign(client, **OWNER)
    sign(app.test_client(), **STRANGER)
    with app.app_context():
        kinds = db.session.execute(db.select(SignatureEvent.kind).order_by(SignatureEvent.id)).scalars().all()
        assert kinds == ["submitted", "submitted again with other details"]
        assert db.session.execute(db.select(Signature.first_name)).scalar_one() == "Hector"
