"""``flask updates create|list|send|status|cancel``, as a script uses them, and what they refuse."""

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.updates.models import CampaignUpdate, UpdateStatus
from tests.updates_helpers import CASL, population, send_all


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL | {"UPDATES_PER_MINUTE": 600_000}


@pytest.fixture
def bodies(tmp_path):
    english = tmp_path / "en.md"
    english.write_text("The letter was **delivered**.\n", encoding="utf-8")
    french = tmp_path / "fr.md"
    french.write_text("La lettre a été **remise**.\n", encoding="utf-8")
    return english, french


def create(runner, bodies, *extra):
    english, french = bodies
    arguments = ["updates", "create", "--subject-en", "Delivered", "--body-en", str(english)]
    arguments += ["--subject-fr", "Remise", "--body-fr", str(french), *extra]
    return runner.invoke(args=arguments)


def test_a_script_writes_sends_follows_an_update(app, runner, bodies, mail_server):
    with app.test_request_context():
        population()
    send_all(app)
    result = create(runner, bodies, "--province", "QC", "--province", "on")
    assert result.exit_code == 0, result.output
    update_id = int(result.output.strip())

    listed = runner.invoke(args=["updates", "list"])
    assert listed.output.splitlines() == [f"{update_id}\tdraft\tON,QC\tDelivered"]

    refused = runner.invoke(args=["updates", "send", str(update_id)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    asked = runner.invoke(args=["updates", "send", str(update_id)], input="y\n")
    assert asked.exit_code == 0, asked.output
    assert f"Send update {update_id} to 2 in English, 1 in French (3 in all)?" in asked.output
    send_all(app)

    status = runner.invoke(args=["updates", "status", str(update_id)])
    assert status.output.splitlines() == [
        f"update {update_id}: sent",
        "recipients 3, waiting 0, queued 0, sent 3, failed 0, not sent 0",
    ]
    again = runner.invoke(args=["updates", "send", str(update_id), "--yes"])
    assert again.exit_code == 1 and "not a draft" in again.output
    with app.app_context():
        events = db.session.query(AuditEvent).order_by(AuditEvent.id)
        actions = [event.action for event in events if event.action.startswith("update")]
        assert actions == ["update created", "update sent"]
        assert db.session.query(AuditEvent).filter_by(action="update sent").one().actor is None


def test_sending_without_the_sender_identification_is_refused_and_says_why(app, runner, bodies):
    update_id = int(create(runner, bodies).output)
    app.config["CAMPAIGN_POSTAL_ADDRESS"] = ""
    result = runner.invoke(args=["updates", "send", str(update_id), "--yes"])
    assert result.exit_code == 1
    assert "CAMPAIGN_POSTAL_ADDRESS" in result.output and "anti-spam" in result.output
    with app.app_context():
        assert db.session.get(CampaignUpdate, update_id).status == UpdateStatus.DRAFT


def test_cancel_discards_a_draft_and_unknown_ids_are_refused(app, runner, bodies):
    update_id = int(create(runner, bodies).output)
    cancelled = runner.invoke(args=["updates", "cancel", str(update_id)])
    assert cancelled.exit_code == 0 and "0 queued message(s) dropped" in cancelled.output
    assert runner.invoke(args=["updates", "cancel", str(update_id)]).exit_code == 1
    for command in ("send", "status", "cancel"):
        missing = runner.invoke(args=["updates", command, "999999"])
        assert missing.exit_code == 1 and "there is no update 999999" in missing.output
        assert runner.invoke(args=["updates", command, "0"]).exit_code == 2
        assert runner.invoke(args=["updates", command, "abc"]).exit_code == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--province", "ZZ"], "unknown province"),
        (["--subject-en", " "], "English subject and body are both required"),
        (["--subject-fr", "x" * 201], "French subject is longer than 200"),
        (["--subject-en", "Bell\x07"], "control characters"),
    ],
)
def test_create_refuses_what_cannot_go_out(app, runner, bodies, extra, message):
    result = create(runner, bodies, *extra)
    assert result.exit_code == 2 and message in result.output
    with app.app_context():
        assert db.session.query(CampaignUpdate).count() == 0


def test_create_refuses_bodies_it_cannot_send(app, runner, bodies, tmp_path):
    english, french = bodies
    english.write_text("[Click](javascript:alert(1))", encoding="utf-8")
    assert "links must start with" in create(runner, bodies).output
    english.write_bytes(b"\xff\xfe not text")
    assert "is not UTF-8 text" in create(runner, bodies).output
    english.write_text("", encoding="utf-8")
    assert "both required" in create(runner, bodies).output
    missing = runner.invoke(
        args=[
            "updates",
            "create",
            "--subject-en",
            "S",
            "--body-en",
            str(tmp_path / "none.md"),
            "--subject-fr",
            "S",
            "--body-fr",
            str(french),
        ]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    with app.app_context():
        assert db.session.query(CampaignUpdate).count() == 0
