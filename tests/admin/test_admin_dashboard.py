"""The dashboard's figures on known data, its chart, and its cost (it never counts the signature table)."""

import re
from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import event

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.sharing.models import ShareLink
from petition.signing import service, tallies
from petition.signing.models import ReceivedSubmission, Signature
from tests.admin.admin_helpers import text_of
from tests.signing_helpers import sign


def confirm_at(app, ident, moment):
    """Move a confirmation to a known moment, then recount (as after a bulk load)."""
    with app.app_context():
        db.session.get(Signature, ident).confirmed_at = moment
        db.session.commit()
        tallies.rebuild()


def figure(page_text, label):
    match = re.search(rf"{label} ([\d,]+)", page_text)
    assert match, f"no figure {label!r} on the page"
    return int(match.group(1).replace(",", ""))


def per_day_rows(html):
    html = re.search(r'<details class="chart-table">.*?</details>', html, re.S).group(0)
    return {
        day: int(count.replace(",", ""))
        for day, count in re.findall(r'<tr><th scope="row">([^<]+)</th><td class="number">([\d,]+)</td></tr>', html)
    }


def test_the_dashboard_shows_the_figures_of_known_data(app, admin, endorsements, signature_factory):
    with app.app_context():
        db.session.add(ShareLink(code="newsletter", label="Spring newsletter"))
        db.session.commit()
    org = "org:national-council-of-canadian-muslims"
    confirmed = [
        signature_factory("a@example.org", province="QC", share_ref=org),
        signature_factory("b@example.org", province="QC", share_ref="ref:newsletter"),
        signature_factory("c@example.org", province="ON", share_ref=org),
        signature_factory("d@example.org", province="BC"),
    ]
    signature_factory("pending@example.org", confirm=False)
    withdrawn = signature_factory("withdrawn@example.org", province="ON")
    with app.app_context():
        service.withdraw(db.session.get(Signature, withdrawn))

    page = admin.get("/admin/")
    assert page.status_code == 200
    text = text_of(page)
    assert figure(text, "Confirmed") == 4
    assert figure(text, "Pending") == 1
    assert figure(text, "Withdrawn") == 1
    assert figure(text, "Invalidated") == 0
    # 5 of the 6 submissions were confirmed at some point (the withdrawn one too).
    assert "83%" in text and "5 of 6" in text
    assert "Quebec 2" in text and "Ontario 1" in text and "British Columbia 1" in text
    assert "National Council of Canadian Muslims org:national-council-of-canadian-muslims 2" in text
    assert "Spring newsletter ref:newsletter 1" in text
    assert len(confirmed) == 4


def test_the_chart_counts_days_in_the_campaigns_time_zone(app, admin, signature_factory):
    first = signature_factory("a@example.org")
    second = signature_factory("b@example.org")
    third = signature_factory("c@example.org")
    # 02:30 UTC on 2 March is still 1 March in Toronto (UTC-5); 15:00 UTC is 2 March there.
    confirm_at(app, first, datetime(2026, 3, 2, 2, 30, tzinfo=UTC))
    confirm_at(app, second, datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    confirm_at(app, third, datetime(2026, 3, 4, 16, 0, tzinfo=UTC))

    html = admin.get("/admin/").get_data(as_text=True)
    rows = per_day_rows(html)

    def day(d):
        return format_date(d, "full", locale="en_CA")

    assert rows[day(datetime(2026, 3, 1))] == 1
    assert rows[day(datetime(2026, 3, 2))] == 1
    assert rows[day(datetime(2026, 3, 3))] == 0  # a day without confirmations is shown as 0
    assert rows[day(datetime(2026, 3, 4))] == 1
    assert sum(rows.values()) == 3

    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Confirmed signatures per day</title>' in svg
    assert '<desc id="chart-desc">' in svg
    assert svg.count("<rect") == len(rows)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights.count(0.0) == sum(1 for n in rows.values() if n == 0)
    assert len({h for h in heights if h}) == 1  # days with the same count have bars of the same height


def test_a_fresh_campaign_has_an_empty_dashboard(admin):
    text = text_of(admin.get("/admin/"))
    assert "No confirmed signatures yet." in text
    assert figure(text, "Confirmed") == 0


def test_the_outbox_health_is_shown(app, admin, signature_factory):
    signature_factory("a@example.org", confirm=False)
    signature_factory("b@example.org", confirm=False)
    with app.app_context():
        message = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().first()
        message.status = OutboxStatus.FAILED
        message.created_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    text = text_of(admin.get("/admin/"))
    assert "Waiting to be sent 1" in text
    assert "Given up after retries 1" in text


def test_the_sign_forms_waiting_and_given_up_are_shown(app, admin, client):
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    sign(client, take_in=False, email="one@example.org")
    sign(client, take_in=False, email="two@example.org")
    with app.app_context():
        db.session.execute(
            db.update(ReceivedSubmission).where(ReceivedSubmission.email == "two@example.org").values(attempts=1)
        )
        db.session.commit()
    text = text_of(admin.get("/admin/"))
    assert "Sign forms waiting to be taken in 1" in text
    assert "Sign forms that could not be taken in 1" in text


def test_the_dashboard_speaks_french(app, admin, signature_factory):
    signature_factory("a@example.org", province="BC")
    admin.get("/admin/language/fr")
    page = admin.get("/admin/")
    assert 'lang="fr-CA"' in page.get_data(as_text=True)
    assert "Colombie-Britannique" in text_of(page)


def test_the_french_dashboard_counts_in_the_plural_and_writes_the_first_of_the_month(app, admin, signature_factory):
    """Its totals are of signatures (« Confirmées », not the badge's « Confirmée »), and French writes
    « 1er mars » in the chart, its description and its table."""
    ident = signature_factory("a@example.org", share_ref="ref:x")
    confirm_at(app, ident, datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    admin.get("/admin/language/fr")

    page = admin.get("/admin/")
    html, text = page.get_data(as_text=True), text_of(page)

    for label in ("Confirmées", "Retirées", "Invalidées"):
        assert f"<dt>{label}</dt>" in html
    assert '<th scope="col">Source</th>' in html
    assert "dimanche 1er mars 2026" in per_day_rows(html)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert "Du 1er mars 2026 au " in svg and ">1er mars</text>" in svg
    assert "1 signatures" not in text  # one signature is never written as a plural


def test_the_dashboard_never_reads_the_signature_table(app, admin, signature_factory):
    for n in range(3):
        signature_factory(f"p{n}@example.org", share_ref="ref:x")
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert admin.get("/admin/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert any("signature_tally" in s for s in statements)
    assert not [s for s in statements if re.search(r"\bFROM signature\b", s)], "the dashboard counted signatures"
