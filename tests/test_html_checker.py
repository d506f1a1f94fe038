"""Every public page, in both languages, through the Nu HTML Checker (vnu.jar, pinned in package.json).

The pages are rendered with Flask's test client and saved, then checked in one run of one JVM;
the test fails on any error, naming the page and the checker's message. ``npm ci`` (run by
``make test``) installs the checker; only a machine without Java skips it.
"""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from petition.campaign import service as campaign
from petition.extensions import db
from petition.sharing.stats import stats_token
from petition.signing import tokens
from petition.signing.models import Signature
from petition.timeutil import utcnow
from tests.campaign_helpers import set_count
from tests.sharing_helpers import ORG
from tests.signing_helpers import make_signature
from tests.support import csrf_token_from


@pytest.fixture
def app_config():
    return {"SIGNATURE_GOALS": "2,3"}  # the confirmed signers below reach both: the milestones show


VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGS = ("en", "fr")


@pytest.fixture
def java():
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is missing: the Nu HTML Checker runs on Java (Debian's default-jre-headless)")
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `npm ci` (make test does)"
    return java


def signer_tokens(app, lang):
    """Links from a pending signer's and a confirmed signer's emails."""
    pending = make_signature(app, f"pending-{lang}@example.org", lang=lang, confirm=False)
    confirmed = make_signature(app, f"confirmed-{lang}@example.org", lang=lang)
    with app.app_context():
        pending, confirmed = db.session.get(Signature, pending), db.session.get(Signature, confirmed)
        confirmed.wants_updates = True
        db.session.commit()
        return {
            "confirm": tokens.confirm_token(pending),
            "withdraw": tokens.withdraw_token(confirmed),
            "unsubscribe": tokens.unsubscribe_token(confirmed),
            "stats": stats_token(ORG),
        }


def public_pages(app, client, lang):
    """(name, status, html) of every public page in ``lang``."""
    links = signer_tokens(app, lang)
    pages = {}

    def get(name, path, status=200):
        response = client.get(path)
        assert response.status_code == status, (name, path, response.status_code)
        pages[name] = response.get_data(as_text=True)
        return pages[name]

    letter = get("letter", f"/{lang}/")
    form_error = client.post(
        f"/{lang}/sign", data={"csrf_token": csrf_token_from(letter), "first_name": "Ada", "email": "nope"}
    )
    assert form_error.status_code == 400
    pages["letter-form-error"] = form_error.get_data(as_text=True)
    get("check-your-inbox", f"/{lang}/sign/check-your-inbox")
    get("confirm", f"/{lang}/confirm/{links['confirm']}")
    get("thanks", f"/{lang}/thanks")
    get("withdraw", f"/{lang}/withdraw/{links['withdraw']}")
    get("unsubscribe", f"/{lang}/unsubscribe/{links['unsubscribe']}")
    get("signers", f"/{lang}/signatures")
    get("provinces", f"/{lang}/provinces")
    get("privacy", f"/{lang}/privacy")
    endorse = get("endorse", f"/{lang}/endorse")
    endorse_errors = client.post(f"/{lang}/endorse", data={"csrf_token": csrf_token_from(endorse), "name": "x"})
    assert endorse_errors.status_code in (200, 400)
    pages["endorse-errors"] = endorse_errors.get_data(as_text=True)
    get("endorse-check-your-inbox", f"/{lang}/endorse/check-your-inbox")
    get("organisation", f"/{lang}/o/{ORG}")
    get("organisation-figures", f"/{lang}/o/{ORG}/stats/{links['stats']}")
    get("figures-link", f"/{lang}/o/{ORG}/figures-link")
    get("embed", f"/{lang}/embed")
    get("error-404", f"/{lang}/no-such-page", status=404)
    get("error-400", f"/{lang}/signatures?before=not-a-cursor", status=400)
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = -1
    get("expired-410", f"/{lang}/confirm/{links['confirm']}", status=410)
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = 7 * 24 * 3600
    return pages


def close_deliver_and_answer(app):
    """The campaign's last states: closed, delivered, answered."""
    set_count(app, 12_345)
    with app.app_context():
        campaign.close()
        today = utcnow().date()
        campaign.record_delivery(
            today - timedelta(days=1),
            "the Prime Minister's Office",
            "au Cabinet du premier ministre",
            "We handed the letter over.",
            "Nous avons remis la lettre.",
            "https://example.org/delivered",
        )
        campaign.record_response(today, "The government thanks you.", "Le gouvernement vous remercie.", None)
        db.session.remove()


def closed_pages(client, lang):
    letter = client.get(f"/{lang}/")
    assert letter.status_code == 200
    for part in ('class="closed-banner"', 'class="campaign-news"', 'class="milestones"'):
        assert part in letter.get_data(as_text=True), part
    endorse = client.get(f"/{lang}/endorse")
    assert endorse.status_code == 200
    return {"letter-closed": letter.get_data(as_text=True), "endorse-closed": endorse.get_data(as_text=True)}


def test_every_public_page_passes_the_html_checker(app, client, endorsements, java, tmp_path):
    saved = {}
    for lang in LANGS:
        for name, html in public_pages(app, client, lang).items():
            path = tmp_path / f"{lang}-{name}.html"
            path.write_text(html, encoding="utf-8")
            saved[path.name] = f"/{lang} {name}"
    close_deliver_and_answer(app)
    for lang in LANGS:
        for name, html in closed_pages(client, lang).items():
            (tmp_path / f"{lang}-{name}.html").write_text(html, encoding="utf-8")
            saved[f"{lang}-{name}.html"] = f"/{lang} {name}"
    assert len(saved) == 2 * 22

    run = subprocess.run(
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--errors-only",
            "--exit-zero-always",
            *sorted(str(tmp_path / name) for name in saved),
        ],
        capture_output=True,
        text=True,
        check=True,
        # Bounds a wedged JVM, not a measurement: a normal run takes seconds.
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{saved.get(Path(message.get('url', '')).name, message.get('url'))}:{message.get('lastLine', '?')}: "
        f"{message['message']}"
        f" [{message.get('extract', '').strip()[:120]}]"
        for message in messages
        if message.get("type") in ("error", "non-document-error")
    ]
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(errors)
