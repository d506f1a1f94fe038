"""``flask admin create``: a password from a hidden prompt or from stdin, never short, never twice."""

from werkzeug.security import check_password_hash

from petition.admin.models import Administrator
from petition.audit import AuditEvent
from petition.extensions import db

PASSWORD = "correct horse battery staple"


def accounts(app):
    with app.app_context():
        rows = db.session.execute(db.select(Administrator.email, Administrator.password_hash)).all()
        return dict(rows)


def test_create_with_a_prompt_asks_twice(app, runner):
    result = runner.invoke(args=["admin", "create", "Chair@Example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Administrator chair@example.org created." in result.output
    assert PASSWORD not in result.output  # the prompt hides what is typed
    stored = accounts(app)["chair@example.org"]
    assert check_password_hash(stored, PASSWORD) and PASSWORD not in stored
    with app.app_context():
        [event] = db.session.execute(db.select(AuditEvent)).scalars()
        assert event.action == "administrator created" and event.actor is None


def test_create_with_a_prompt_insists_on_the_same_password_twice(app, runner):
    result = runner.invoke(
        args=["admin", "create", "chair@example.org"],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert list(accounts(app)) == ["chair@example.org"]


def test_create_with_password_stdin(app, runner):
    result = runner.invoke(args=["admin", "create", "chair@example.org", "--password-stdin"], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert check_password_hash(accounts(app)["chair@example.org"], PASSWORD)


def test_a_short_password_is_refused(app, runner):
    result = runner.invoke(args=["admin", "create", "chair@example.org", "--password-stdin"], input="short pass\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert accounts(app) == {}


def test_an_empty_stdin_is_refused(app, runner):
    result = runner.invoke(args=["admin", "create", "chair@example.org", "--password-stdin"], input="")
    assert result.exit_code == 1
    assert accounts(app) == {}


def test_a_second_account_with_the_same_address_is_refused(app, runner):
    runner.invoke(args=["admin", "create", "chair@example.org", "--password-stdin"], input=f"{PASSWORD}\n")
    result = runner.invoke(
        args=["admin", "create", "CHAIR@example.org", "--password-stdin"], input="another long password\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert check_password_hash(accounts(app)["chair@example.org"], PASSWORD)


def test_a_malformed_address_is_refused(app, runner):
    result = runner.invoke(args=["admin", "create", "not-an-address", "--password-stdin"], input=f"{PASSWORD}\n")
    assert result.exit_code == 1
    assert "Not a valid email address" in result.output
    assert accounts(app) == {}


def test_the_new_account_can_sign_in(app, runner, client):
    from tests.admin.admin_helpers import sign_in

    runner.invoke(args=["admin", "create", "chair@example.org", "--password-stdin"], input=f"{PASSWORD}\n")
    assert sign_in(client, "chair@example.org", PASSWORD).status_code == 303
    assert client.get("/admin/").status_code == 200


NEW_PASSWORD = "a different passphrase entirely"


def create(runner, email="chair@example.org"):
    runner.invoke(args=["admin", "create", email, "--password-stdin"], input=f"{PASSWORD}\n")


def test_set_password_with_a_prompt_asks_twice(app, runner):
    create(runner)
    typed = f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    result = runner.invoke(args=["admin", "set-password", "chair@example.org"], input=typed)
    assert result.exit_code == 0, result.output
    assert "Password of chair@example.org changed; 0 sessions ended." in result.output
    assert NEW_PASSWORD not in result.output
    assert check_password_hash(accounts(app)["chair@example.org"], NEW_PASSWORD)


def test_set_password_refuses_an_unknown_address_and_a_short_password(app, runner):
    create(runner)
    unknown = runner.invoke(
        args=["admin", "set-password", "nobody@example.org", "--password-stdin"], input=f"{NEW_PASSWORD}\n"
    )
    assert unknown.exit_code == 1
    assert "No administrator has the address nobody@example.org." in unknown.output
    short = runner.invoke(args=["admin", "set-password", "chair@example.org", "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    assert check_password_hash(accounts(app)["chair@example.org"], PASSWORD)
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert "password changed" not in actions
