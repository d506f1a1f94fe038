"""An administrator in a real Chromium: signs in, reads the chart, searches, invalidates, exports.

Screenshots of the dashboard go to test-artifacts/screenshots/ (``admin-dashboard-<viewport>.png``),
for people to look at; axe-core checks every admin page for serious or critical problems.
"""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from petition.admin.accounts import create_administrator
from petition.endorsements.models import Endorsement
from petition.extensions import db
from petition.signing import tallies
from petition.signing.models import Signature
from petition.timeutil import utcnow
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_signature
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import SCREENSHOTS, VIEWPORTS, horizontal_overflow

SENT_TO_SIGN_IN = re.compile(r".*/admin/sign-in\?next=.*")
PROVINCES = ["QC", "ON", "BC", "AB", "NS", "ON", "QC", "MB"]


@pytest.fixture
def campaign(app, endorsements):
    """An administrator, and two weeks of signatures: some from a suspicious domain, a few pending."""
    with app.app_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.remove()
    idents = []
    for n in range(40):
        idents.append(
            make_signature(
                app,
                f"person{n}@example.org",
                first=["Marie", "Jean", "Aïcha", "Omar", "Zoë"][n % 5],
                last=["Côté", "Tremblay", "Khan", "Nguyễn"][n % 4],
                province=PROVINCES[n % len(PROVINCES)],
                share_ref="org:national-council-of-canadian-muslims" if n % 3 == 0 else None,
            )
        )
    for n in range(3):
        make_signature(app, f"bot{n}@spam.example", first="Bot", last=f"Number{n}", ip="198.51.100.7")
    make_signature(app, "waiting@example.org", first="Paul", last="Pending", confirm=False)
    # Spread the confirmations over two weeks, more at the start of the campaign, as after a launch.
    with app.app_context():
        now = utcnow()
        for n, ident in enumerate(idents):
            db.session.get(Signature, ident).confirmed_at = now - timedelta(days=(n * n) % 14, hours=n % 5)
        db.session.commit()
        tallies.rebuild()
        db.session.remove()


def sign_in(page, live_server):
    page.goto(live_server + "/admin/")
    page.wait_for_url(SENT_TO_SIGN_IN)
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/admin/")


def public_count(app):
    return app.test_client().get("/api/count").get_json()["signatures"]


def test_the_administrators_journey(app, live_server, campaign, browser_context, browser_errors):
    # The wrong-password answer is a 401 by design; the browser logs it.
    browser_errors.allow(r"status of 401")
    page = browser_context().new_page()
    page.goto(live_server + "/admin/sign-in")
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email address or password is not right")

    sign_in(page, live_server)
    chart = page.get_by_role("img", name="Confirmed signatures per day")
    expect(chart).to_be_visible()
    assert page.locator("svg.bar-chart rect").count() >= 10
    expect(page.locator(".figure.confirmed dd")).to_have_text("43")
    page.get_by_text("The same numbers as a table").click()
    expect(page.locator(".chart-table table")).to_be_visible()

    # Search the suspicious domain, then invalidate all that match.
    page.get_by_role("link", name="Signatures", exact=True).click()
    page.get_by_label("Email domain").fill("spam.example")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="3 signatures match")).to_be_visible()
    before = public_count(app)
    page.get_by_role("link", name="Invalidate all that match…").click()
    expect(page.get_by_text("3 signatures will be invalidated")).to_be_visible()
    page.get_by_label("Why (kept in the audit log)").fill("Bulk sign-up from one address")
    page.get_by_role("button", name="Invalidate 3 signatures").click()
    expect(page.get_by_role("status")).to_contain_text("3 signatures invalidated")
    assert public_count(app) == before - 3

    # Download the export and read it.
    page.get_by_role("link", name="Export", exact=True).click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the CSV file").click()
    download = info.value
    assert download.suggested_filename.startswith("signatures-") and download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content, newline="")))
    assert header[:2] == ["First name", "Last name"]
    assert len(rows) == 40
    assert not any(row[0] == "Bot" for row in rows) and not any(row[1] == "Pending" for row in rows)
    assert any(row[1] == "Nguyễn" for row in rows)

    # The audit log keeps all of it.
    page.get_by_role("link", name="Audit log").click()
    for action in ("Sign-in refused", "Signed in", "Signatures invalidated in bulk", "Export"):
        expect(page.locator("table.audit td", has_text=action).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin/sign-in")
    page.goto(live_server + "/admin/")
    page.wait_for_url(SENT_TO_SIGN_IN)


@pytest.mark.parametrize("viewport", ["desktop", "phone", "phone-small"])
def test_dashboard_screenshots(live_server, campaign, browser_context, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = VIEWPORTS[viewport]
    page = browser_context(viewport=size, reduced_motion="reduce").new_page()
    sign_in(page, live_server)
    path = SCREENSHOTS / f"admin-dashboard-{viewport}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.is_file() and path.stat().st_size > 1000
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], f"the dashboard scrolls sideways: {overflow}"


def test_admin_pages_have_no_serious_accessibility_problems(app, live_server, campaign, browser_context):
    page = browser_context().new_page()
    page.goto(live_server + "/admin/sign-in")
    assert_no_serious_violations(page)
    sign_in(page, live_server)
    with app.app_context():
        first = db.session.execute(db.select(db.func.min(Signature.id))).scalar_one()
        organisation = db.session.execute(db.select(db.func.min(Endorsement.id))).scalar_one()
    for path in (
        "/admin/",
        "/admin/signatures/?domain=spam.example",
        f"/admin/signatures/{first}",
        "/admin/signatures/invalidate?domain=spam.example",
        "/admin/signatures/trending",
        "/admin/endorsements/",
        f"/admin/endorsements/{organisation}",
        "/admin/endorsements/new",
        "/admin/endorsements/import",
        "/admin/share-links/",
        "/admin/export/",
        "/admin/audit/",
        "/admin/account/",
    ):
        page.goto(live_server + path)
        assert_no_serious_violations(page)
    page.goto(live_server + "/admin/language/fr?next=/admin/")
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert_no_serious_violations(page)
