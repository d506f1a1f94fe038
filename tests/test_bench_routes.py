"""bench.routes: it measures every public GET route, with real links, each answering 200."""

import string

import pytest

from bench.harness import BenchError
from bench.routes.links import Links, language_links
from bench.routes.plan import BASELINE, LANGUAGES, ROUTES, check_answers, expand, plan
from petition.extensions import db
from petition.signing import service
from petition.signing.models import Signature, SignatureStatus

# GET routes that the benchmark leaves out, and why; the administrators' are bench.admin's.
NOT_MEASURED = {
    "letter.index": "a redirect to the visitor's language",
    "letter.choose_language": "a redirect back to the page, with a cookie",
    "static": "served by nginx in production (docs/deploy.md)",
}


@pytest.fixture
def app_config():
    # One signer a page: the two signers confirmed for the thanks page give the list a second page.
    return {"SIGNERS_PER_PAGE": 1}


def placeholder_links():
    """Links whose every field is a made-up value: enough to see which route a path reaches."""
    fields = {name for route in ROUTES for _, name, _, _ in string.Formatter().parse(route.path) if name}
    return {lang: Links(dict.fromkeys(fields - {"lang"}, "x"), "", "") for lang in LANGUAGES}


def test_every_public_get_route_is_measured_in_every_language(app):
    adapter = app.url_map.bind("localhost")
    links = placeholder_links()
    reached = [adapter.match(path, method="GET") for route in ROUTES for _, path, _ in expand(route, links)]
    reached.append(adapter.match(BASELINE, method="GET"))
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.startswith(("admin.", "devmail."))
    }

    assert public - {endpoint for endpoint, _ in reached} == set(NOT_MEASURED)
    for endpoint in {endpoint for endpoint, values in reached if "lang" in values}:
        assert {values["lang"] for found, values in reached if found == endpoint} == set(LANGUAGES), endpoint


def made_links(app):
    with app.app_context():
        links = {lang: language_links(lang) for lang in LANGUAGES}
        db.session.remove()
    return links


def test_every_planned_request_answers_200_over_http_and_opening_the_links_changes_nothing(
    app, endorsements, live_server
):
    links = made_links(app)
    planned = plan(live_server, links)

    assert [request.shown for request in planned if "/thanks" in request.path] == ["/en/thanks", "/fr/thanks"]
    assert all(request.cookie for request in planned if "/thanks" in request.path)
    assert "/en/signatures?before=…" in [request.shown for request in planned]
    assert "/fr/o/<slug>/stats/<token>" in [request.shown for request in planned]
    assert links["en"].fields["slug"] == "national-council-of-canadian-muslims"  # the lead signatory
    check_answers(live_server, planned)  # as after the runs: the links, opened again, still answer 200
    with app.app_context():
        statuses = {row.email: row.status for row in db.session.execute(db.select(Signature)).scalars()}
    # Only the confirmers pressed the button; the readers' links were opened (GET) and nothing more.
    assert statuses == {
        "bench-routes-reader-en@example.org": SignatureStatus.PENDING,
        "bench-routes-reader-fr@example.org": SignatureStatus.PENDING,
        "bench-routes-confirmer-en@example.org": SignatureStatus.CONFIRMED,
        "bench-routes-confirmer-fr@example.org": SignatureStatus.CONFIRMED,
    }


def test_a_confirmation_page_that_stopped_answering_200_fails_the_check_after_the_runs(app, endorsements, live_server):
    planned = plan(live_server, made_links(app))
    with app.app_context():
        reader = db.session.execute(
            db.select(Signature).where(Signature.email == "bench-routes-reader-en@example.org")
        ).scalar_one()
        service.confirm(reader)
        db.session.remove()

    with pytest.raises(BenchError, match=r"/en/confirm/\S+ answered 303"):
        check_answers(live_server, planned)
