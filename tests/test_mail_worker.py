"""The standalone sender and the development mailbox."""

import pytest

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from tests.signing_helpers import sign


class TestStandaloneWorker:
    @pytest.fixture
    def app_config(self, mail_config):
        return mail_config

    def test_mail_worker_once_sends_what_is_due(self, app, client, runner, mail_server):
        sign(client)
        result = runner.invoke(args=["mail", "worker", "--once"])
        assert result.exit_code == 0, result.output
        assert "Sent 1 message(s)." in result.output
        assert len(mail_server.messages) == 1
        with app.app_context():
            assert db.session.execute(db.select(OutboxMessage.status)).scalar_one() == OutboxStatus.SENT


class TestDevelopmentMailbox:
    @pytest.fixture
    def app_config(self):
        return {"DEVELOPMENT": True, "MAIL_SERVER": None, "MAIL_BACKGROUND_SENDER": False}

    def test_without_a_mail_server_mail_lands_in_the_instance_mailbox(self, app, client, tmp_path):
        app.instance_path = str(tmp_path)
        sign(client)
        from tests.signing_helpers import deliver

        assert deliver(app) == 1
        assert len(list((tmp_path / "mailbox").glob("*.eml"))) == 1


def test_dev_mailbox_exists_only_in_development(tmp_path, migrated_database):
    from tests.support import make_app

    production = make_app(migrated_database, MAIL_BACKGROUND_SENDER=False)
    assert production.test_client().get("/dev/mail/").status_code == 404

    development = make_app(migrated_database, DEVELOPMENT=True, MAIL_SERVER=None, MAIL_BACKGROUND_SENDER=False)
    development.instance_path = str(tmp_path)
    client = development.test_client()
    try:
        sign(client)
        from tests.signing_helpers import deliver

        deliver(development)
        inbox = client.get("/dev/mail/")
        assert inbox.status_code == 200
        name = next((tmp_path / "mailbox").glob("*.eml")).name
        message = client.get(f"/dev/mail/{name}")
        assert message.status_code == 200
        assert "/en/confirm/" in message.get_data(as_text=True)
        assert client.get("/dev/mail/../secret_key").status_code == 404
    finally:
        with development.app_context():
            from tests.support import empty_all_tables

            empty_all_tables()
            db.engine.dispose()
