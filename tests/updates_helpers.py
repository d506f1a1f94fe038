"""A population of signers with every status and choice, and updates written and sent to them."""

from petition.extensions import db
from petition.mail.outbox import drain_all
from petition.signing import moderation, service
from petition.updates import service as updates
from petition.updates.models import CampaignUpdate
from tests.export_helpers import add

CASL = {"CAMPAIGN_NAME": "Coalition for the Letter", "CAMPAIGN_POSTAL_ADDRESS": "123 Rue Principale\nOttawa ON K1A 0A1"}

# Those who must receive an update to everyone: confirmed and asked for it (a hidden name too).
RECIPIENTS = {
    "ana@example.org": "en",
    "benoit@example.ca": "fr",
    "hidden@example.org": "en",
    "zoe@example.net": "fr",
}


def population():
    """Every kind of signer; returns nothing, RECIPIENTS says who wants updates."""
    add("Ana", "Smith", "ana@example.org", wants_updates=True, province="ON")
    add("Benoît", "Côté", "benoit@example.ca", wants_updates=True, province="QC", lang="fr")
    add("Zoë", "Roy", "zoe@example.net", wants_updates=True, province="BC", lang="fr")
    moderation.hide(add("Hidden", "Name", "hidden@example.org", wants_updates=True))
    add("No", "Updates", "no-updates@example.org", wants_updates=False)
    add("Pending", "Person", "pending@example.org", confirm=False, wants_updates=True)
    service.withdraw(add("Withdrawn", "Person", "withdrawn@example.org", wants_updates=True))
    moderation.invalidate(add("Invalid", "Person", "invalid@example.org", wants_updates=True))
    service.unsubscribe(add("Unsubscribed", "Person", "unsubscribed@example.org", wants_updates=True))
    db.session.remove()


def draft(**changes):
    values = {
        "subject_en": "The letter was delivered",
        "body_en": "We handed the letter to the **Prime Minister's Office** today.\n\n[Photos](https://example.org/photos)",
        "subject_fr": "La lettre a été remise",
        "body_fr": "Nous avons remis la lettre au **Cabinet du premier ministre** aujourd’hui.",
        "provinces": (),
    } | changes
    return updates.Draft(**values)


def written(app, **changes):
    """A new draft; returns its id."""
    with app.test_request_context():
        update_id = updates.create(draft(**changes)).id
        db.session.remove()
    return update_id


def sent(app, update_id):
    """Start sending ``update_id``; returns its counts by language."""
    with app.test_request_context():
        counts = updates.send(db.session.get(CampaignUpdate, update_id))
        db.session.remove()
    return counts


def send_all(app):
    """Run a sender until nothing more is due; returns how many messages it sent."""
    with app.app_context():
        total = drain_all(claimant="test-sender")
        db.session.remove()
    return total


def progress_of(app, update_id):
    with app.app_context():
        progress = updates.progress(db.session.get(CampaignUpdate, update_id))
        db.session.remove()
    return progress
