"""An update announcing the delivery or the government's response starts from what the campaign
page recorded, written in both languages; nothing is sent until the administrator sends it."""

import html
import re
from datetime import date

import pytest

from petition.campaign import service as campaign
from petition.extensions import db
from petition.updates.models import CampaignUpdate
from tests.export_helpers import add
from tests.updates_helpers import CASL


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL


def textareas(page):
    found = re.findall(r'<textarea[^>]*name="(body_en|body_fr)"[^>]*>\s*(.*?)</textarea>', page, flags=re.S)
    return {name: html.unescape(value) for name, value in found}


def test_a_delivery_is_announced_in_both_languages_with_its_date_and_count(app, admin):
    with app.test_request_context():
        add("Ana", "Smith", "ana@example.org")
        campaign.record_delivery(
            date(2027, 3, 1),
            "the Office of the Prime Minister",
            "au Cabinet du premier ministre",
            "We were received.",
            "Nous avons été reçus.",
            "https://example.org/delivery",
        )
    page = admin.get("/admin/updates/new?about=delivery").get_data(as_text=True)
    assert 'value="The letter was delivered"' in page and 'value="La lettre a été remise"' in page
    bodies = textareas(page)
    assert bodies["body_en"].startswith(
        "On March 1, 2027, we delivered the open letter to the Office of the Prime Minister, with 1 verified signature."
    )
    assert "We were received." in bodies["body_en"] and "(https://example.org/delivery)" in bodies["body_en"]
    assert bodies["body_fr"].startswith(
        "Le 1er mars 2027, nous avons remis la lettre ouverte au Cabinet du premier ministre"
    )
    assert "Nous avons été reçus." in bodies["body_fr"]
    with app.app_context():
        assert db.session.query(CampaignUpdate).count() == 0, "a draft is only saved when the form is sent"


def test_a_response_is_announced_quoted(app, admin):
    with app.test_request_context():
        campaign.record_response(date(2027, 4, 2), "We thank you.\n\nWe will study it.", "Merci.", None)
    bodies = textareas(admin.get("/admin/updates/new?about=response").get_data(as_text=True))
    assert "> We thank you.\n>\n> We will study it." in bodies["body_en"]
    assert "> Merci." in bodies["body_fr"]


@pytest.mark.parametrize("about", ["delivery", "response", "milestone", "", "x" * 500])
def test_nothing_recorded_or_nothing_of_the_kind_is_a_clear_404(app, admin, about):
    answer = admin.get(f"/admin/updates/new?about={about}")
    if about == "":
        assert answer.status_code == 200, "no announcement asked: a blank form"
    else:
        assert answer.status_code == 404
        assert "There is nothing recorded yet to announce." in answer.get_data(as_text=True)
