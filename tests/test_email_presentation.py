"""Every kind of email, in both languages, through the real SMTP server: From in the reader's
language, an HTML part that starts with its doctype (no blank lines before it), and a heading that
names the letter first thing in both parts."""

import re

import pytest

from petition.endorsements import review
from petition.endorsements.emails import queue_request_email
from petition.endorsements.request_models import EndorsementRequest
from petition.extensions import db
from petition.signing.emails import queue_signer_email
from petition.signing.models import Signature
from tests.export_helpers import add
from tests.joining_helpers import approve, make_request
from tests.mailserver import html_of, text_of
from tests.signing_helpers import deliver, make_signature
from tests.updates_helpers import CASL, sent, written

LETTER = {"en": "Open letter to the Prime Minister of Canada", "fr": "Lettre ouverte au premier ministre du Canada"}
FROM_NAME = {"en": "Open letter", "fr": "Lettre ouverte"}
KINDS = 7  # confirm, already_signed, endorsement_confirm, _approved, _declined, figures_link, update


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL


def queue_every_kind(app, lang):
    pending = make_signature(app, f"pending-{lang}@example.org", lang=lang, confirm=False)  # confirm
    with app.app_context():
        queue_signer_email(db.session.get(Signature, pending), "already_signed")
        db.session.commit()
    make_request(app, name=f"Asked {lang}", email=f"asked-{lang}@example.ca", lang=lang, confirm=False)
    approved = make_request(app, name=f"Approved {lang}", email=f"approved-{lang}@example.ca", lang=lang)
    approve(app, approved)
    declined = make_request(app, name=f"Declined {lang}", email=f"declined-{lang}@example.ca", lang=lang)
    with app.test_request_context("/"):
        review.decline(db.session.get(EndorsementRequest, declined), "Not an organisation")
        queue_request_email(db.session.get(EndorsementRequest, approved), "figures_link")
        db.session.commit()
        add("Reader", "Of Updates", f"updates-{lang}@example.org", wants_updates=True, lang=lang)
        db.session.remove()


def visible_text(html):
    body = html[html.index("<body") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def test_every_email_reads_as_its_language_and_names_the_letter_first(app, mail_server):
    for lang in ("en", "fr"):
        queue_every_kind(app, lang)
    with app.test_request_context("/"):
        sent(app, written(app))
    deliver(app)

    by_lang = {"en": [], "fr": []}
    for message in mail_server.inbox.messages:
        html = html_of(message)
        lang = re.search(r'<html lang="(en|fr)-CA">', html).group(1)
        by_lang[lang].append(message)
        where = f"{lang} {message['Subject']}"

        assert message["From"].addresses[0].display_name == FROM_NAME[lang], where
        assert message["From"].addresses[0].addr_spec == "letter@example.org", where
        raw_html = message.get_body(preferencelist=("html",)).get_payload(decode=True).decode()
        assert raw_html.startswith("<!doctype html>"), f"{where}: {raw_html[:40]!r}"
        assert visible_text(html).startswith(LETTER[lang]), f"{where}: {visible_text(html)[:80]!r}"
        assert text_of(message).lstrip().splitlines()[0] == LETTER[lang], where

    for lang, messages in by_lang.items():
        assert len({message["Subject"] for message in messages}) == KINDS, (lang, [m["Subject"] for m in messages])


def test_the_from_name_can_be_set_per_language(app, mail_server):
    app.config.update(
        MAIL_DEFAULT_SENDER="Coalition <team@example.org>",
        MAIL_SENDER_NAME_FR="Coalition pour la lettre",
    )
    make_signature(app, "en@example.org", lang="en", confirm=False)
    make_signature(app, "fr@example.org", lang="fr", confirm=False)
    deliver(app)

    senders = {message["To"]: message["From"].addresses[0] for message in mail_server.inbox.messages}
    assert senders["en@example.org"].display_name == "Coalition", "a name of one's own is kept as written"
    assert senders["fr@example.org"].display_name == "Coalition pour la lettre"
    assert {address.addr_spec for address in senders.values()} == {"team@example.org"}
