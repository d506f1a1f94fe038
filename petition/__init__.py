"""The open-letter site: ``create_app`` builds the Flask application."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config=None):
    """Build the app; ``test_config`` overrides settings read from the environment."""
    from petition.config import load_config
    from petition.errors import App

    app = App(__name__, instance_relative_config=True)

    testing = bool(test_config and test_config.get("TESTING"))
    app.config.from_mapping(load_config(app.instance_path, testing=testing, overrides=test_config))

    from petition import database, errors, i18n, input_checks, models, proxy, security  # noqa: F401 - models registers the schema
    from petition.extensions import babel, csrf, db, limiter, migrate

    proxy.init_app(app)
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    input_checks.init_app(app)

    from petition import api, embed, privacy, reach
    from petition.admin import auth as admin_auth
    from petition.admin import commands as admin_commands
    from petition.admin import routes as admin
    from petition.campaign import commands as campaign_commands
    from petition.campaign import display as campaign_display
    from petition.delivery import commands as delivery_commands
    from petition.endorsements import commands as endorsement_commands
    from petition.endorsements import emails as endorsement_emails
    from petition.endorsements import figures_links
    from petition.endorsements import routes as endorse
    from petition.letter import routes as letter
    from petition.mail import background, devmail
    from petition.mail import commands as mail_commands
    from petition.sharing import commands as sharing_commands
    from petition.sharing import refs as share_refs
    from petition.sharing import routes as sharing
    from petition.signers import routes as signers
    from petition.signing import commands as signature_commands
    from petition.signing import emails as signer_emails
    from petition.signing import intake
    from petition.signing import routes as signing
    from petition.updates import commands as update_commands
    from petition.updates import emails as update_emails
    from petition.updates import sending as update_sending

    app.register_blueprint(letter.bp)
    app.register_blueprint(signing.bp)
    app.register_blueprint(sharing.bp)
    app.register_blueprint(signers.bp)
    app.register_blueprint(endorse.bp)
    app.register_blueprint(privacy.bp)
    share_refs.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(reach.bp)
    app.register_blueprint(admin.bp)
    admin_auth.init_app(app)
    app.register_blueprint(endorsement_commands.bp)
    app.register_blueprint(mail_commands.bp)
    app.register_blueprint(admin_commands.bp)
    # ``signatures delivery`` sits beside ``signatures export``, though the delivery is a floor above signing.
    signature_commands.bp.cli.add_command(delivery_commands.delivery_command)
    app.register_blueprint(signature_commands.bp)
    app.register_blueprint(sharing_commands.bp)
    app.register_blueprint(update_commands.bp)
    app.register_blueprint(campaign_commands.bp)
    campaign_display.init_app(app)
    if app.config["DEVELOPMENT"] and not app.config["MAIL_SERVER"]:
        app.register_blueprint(devmail.bp)
    signer_emails.init_app(app)
    intake.init_app(app)
    update_emails.init_app(app)
    endorsement_emails.init_app(app)
    figures_links.init_app(app)
    update_sending.init_app(app)
    background.init_app(app)

    return app
