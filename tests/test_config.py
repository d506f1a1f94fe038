"""Settings: read from the environment, typed, with safe defaults and a clear failure."""

from pathlib import Path

import pytest

from petition import create_app
from petition.config import ConfigError, load_config, normalise_database_url
from petition.config_values import privacy_contact
from tests.support import production_environ

# Variables of the real environment that would leak into ``create_app()`` without a test_config.
ENVIRONMENT_SETTINGS = ("SECRET_KEY", "APP_ENV", "TESTING", "DATABASE_URL", "PUBLIC_URL")


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


def test_production_without_secret_key_refuses_to_start(instance):
    with pytest.raises(ConfigError) as raised:
        load_config(instance, environ={})
    message = str(raised.value)
    assert "SECRET_KEY is not set" in message
    assert "APP_ENV=development" in message, "the message should say how to run without a key"
    assert not instance.exists(), "production must not write a key of its own"


@pytest.mark.parametrize("app_env", ["production", "PRODUCTION", "staging"])
def test_any_environment_other_than_development_needs_a_secret_key(instance, app_env):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(instance, environ={"APP_ENV": app_env})


def test_a_blank_secret_key_counts_as_missing(instance):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(instance, environ={"SECRET_KEY": "   "})


def test_production_uses_the_secret_key_it_is_given(instance):
    config = load_config(
        instance,
        environ={"SECRET_KEY": "a-long-random-string", "IP_HASH_KEY": "i", "PRIVACY_CONTACT_EMAIL": "p@example.org"},
    )
    assert config["SECRET_KEY"] == "a-long-random-string"
    assert config["APP_ENV"] == "production"
    assert config["DEVELOPMENT"] is False
    assert config["TESTING"] is False


def test_create_app_in_production_without_secret_key_fails(monkeypatch):
    for name in ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("app_env", ["development", "dev"])
def test_development_generates_a_key_under_instance_and_keeps_it(instance, app_env):
    first = load_config(instance, environ={"APP_ENV": app_env})
    key_file = instance / "secret_key"
    assert key_file.is_file()
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert key_file.stat().st_mode & 0o077 == 0, "the key file should be readable by its owner only"

    second = load_config(instance, environ={"APP_ENV": app_env})
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert second["DEVELOPMENT"] is True
    assert second["APP_ENV"] == "development"


def test_development_keys_differ_between_instances(tmp_path):
    one = load_config(tmp_path / "one", environ={"APP_ENV": "development"})
    two = load_config(tmp_path / "two", environ={"APP_ENV": "development"})
    assert one["SECRET_KEY"] != two["SECRET_KEY"]


def test_an_explicit_key_wins_in_development_and_nothing_is_written(instance):
    config = load_config(instance, environ={"APP_ENV": "development", "SECRET_KEY": "given"})
    assert config["SECRET_KEY"] == "given"
    assert not (instance / "secret_key").exists()


def test_testing_needs_no_key_and_writes_none(instance):
    config = load_config(instance, environ={}, testing=True)
    assert config["SECRET_KEY"]
    assert config["TESTING"] is True
    assert config["APP_ENV"] == "testing"
    assert not (instance / "secret_key").exists()


def test_database_url_defaults_to_sqlite_under_instance(instance):
    config = load_config(instance, environ=production_environ())
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'petition.sqlite3'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://user:pw@db.example:5432/petition", "postgresql+psycopg://user:pw@db.example:5432/petition"),
        ("postgresql://user:pw@db.example/petition", "postgresql+psycopg://user:pw@db.example/petition"),
        ("postgresql+psycopg://user@db.example/petition", "postgresql+psycopg://user@db.example/petition"),
        ("sqlite:////var/lib/petition.sqlite3", "sqlite:////var/lib/petition.sqlite3"),
    ],
)
def test_database_url_is_given_the_psycopg_driver(instance, given, expected):
    assert normalise_database_url(given) == expected
    config = load_config(
        instance,
        environ=production_environ(DATABASE_URL=given),
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


def test_passthrough_settings_are_typed(instance):
    config = load_config(
        instance,
        environ=production_environ(
            RATELIMIT_ENABLED="false",
            SQLALCHEMY_ECHO="true",
            MAX_CONTENT_LENGTH="65536",
            PETITION_CAMPAIGN_NAME="Spring campaign",
            MAIL_PORT="2525",
            MAIL_USE_TLS="yes",
        ),
    )
    assert config["RATELIMIT_ENABLED"] is False
    assert config["SQLALCHEMY_ECHO"] is True
    assert config["MAX_CONTENT_LENGTH"] == 65536
    assert config["PETITION_CAMPAIGN_NAME"] == "Spring campaign"
    assert config["MAIL_PORT"] == 2525
    assert config["MAIL_USE_TLS"] is True


def test_unrelated_environment_variables_stay_out(instance):
    config = load_config(
        instance,
        environ=production_environ(HOME="/root", EDITOR="vi"),
    )
    assert "HOME" not in config
    assert "EDITOR" not in config


def test_a_malformed_boolean_is_a_config_error(instance):
    with pytest.raises(ConfigError, match="maybe"):
        load_config(
            instance,
            environ=production_environ(RATELIMIT_ENABLED="maybe"),
        )


def test_mail_and_rate_limit_defaults(instance):
    config = load_config(instance, environ=production_environ())
    assert config["MAIL_SERVER"] is None
    assert config["MAIL_PORT"] == 25
    assert config["MAIL_USE_TLS"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_https_public_url_turns_on_secure_cookies(instance):
    config = load_config(
        instance,
        environ=production_environ(PUBLIC_URL="https://letter.example.ca/"),
    )
    assert config["PUBLIC_URL"] == "https://letter.example.ca", "the trailing slash is dropped"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["PREFERRED_URL_SCHEME"] == "https"


def test_http_public_url_leaves_cookies_usable_over_http(instance):
    config = load_config(
        instance,
        environ=production_environ(PUBLIC_URL="http://127.0.0.1:5000"),
    )
    assert not config.get("SESSION_COOKIE_SECURE")
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_create_app_applies_test_config_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "http://from-the-environment.example")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Environment <env@example.org>")
    database = f"sqlite:///{tmp_path / 'override.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "from-test-config",
            "SQLALCHEMY_DATABASE_URI": database,
            "PUBLIC_URL": "https://override.example",
        }
    )
    assert app.testing is True
    assert app.config["SECRET_KEY"] == "from-test-config"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database
    assert app.config["PUBLIC_URL"] == "https://override.example"
    # What the test config does not name still comes from the environment.
    assert app.config["MAIL_DEFAULT_SENDER"] == "Environment <env@example.org>"
    assert Path(app.instance_path).name == "instance"


def test_production_without_an_ip_hash_key_refuses_to_start(instance):
    with pytest.raises(ConfigError) as raised:
        load_config(instance, environ={"SECRET_KEY": "k"})
    assert "IP_HASH_KEY is not set" in str(raised.value)
    assert not instance.exists(), "production must not write a key of its own"


def test_development_keeps_an_ip_hash_key_of_its_own_under_instance(instance):
    first = load_config(instance, environ={"APP_ENV": "development"})
    assert (instance / "ip_hash_key").read_text().strip() == first["IP_HASH_KEY"]
    assert first["IP_HASH_KEY"] != first["SECRET_KEY"]
    assert load_config(instance, environ={"APP_ENV": "development"})["IP_HASH_KEY"] == first["IP_HASH_KEY"]


def test_the_message_id_domain_is_the_public_urls_host_unless_given(instance):
    keys = production_environ()
    config = load_config(instance, environ={**keys, "PUBLIC_URL": "https://letter.example.ca"})
    assert config["MAIL_MESSAGE_ID_DOMAIN"] == "letter.example.ca"
    given = load_config(instance, environ={**keys, "MAIL_MESSAGE_ID_DOMAIN": "mail.example.ca"})
    assert given["MAIL_MESSAGE_ID_DOMAIN"] == "mail.example.ca"


def test_the_campaign_time_zone_is_read_once_as_a_zone(instance):
    config = load_config(
        instance,
        environ=production_environ(CAMPAIGN_TIMEZONE="America/Halifax"),
    )
    assert config["CAMPAIGN_ZONE"].key == "America/Halifax"
    assert load_config(instance, environ={}, testing=True)["CAMPAIGN_ZONE"].key == "America/Toronto"
    with pytest.raises(ConfigError, match="CAMPAIGN_TIMEZONE"):
        load_config(
            instance,
            environ=production_environ(CAMPAIGN_TIMEZONE="Mars/Olympus"),
        )


def test_settings_given_in_code_are_settled_like_the_environments(instance):
    config = load_config(
        instance, testing=True, environ={}, overrides={"TRUSTED_PROXIES": "2", "PUBLIC_URL": "https://x.ca"}
    )
    assert config["TRUSTED_PROXIES"] == 2
    assert config["MAIL_MESSAGE_ID_DOMAIN"] == "x.ca"


def test_the_updates_sender_identification_and_pace_are_read_from_the_environment(instance):
    config = load_config(
        instance,
        {
            "TESTING": "true",
            "CAMPAIGN_NAME": "  Coalition for the Letter ",
            "CAMPAIGN_POSTAL_ADDRESS": "123 Rue Principale\\nOttawa ON K1A 0A1",
            "UPDATES_PER_MINUTE": "1200",
        },
    )
    assert config["CAMPAIGN_NAME"] == "Coalition for the Letter"
    assert config["CAMPAIGN_POSTAL_ADDRESS"].splitlines() == ["123 Rue Principale", "Ottawa ON K1A 0A1"]
    assert config["UPDATES_PER_MINUTE"] == 1200
    defaults = load_config(instance, {"TESTING": "true"})
    assert (defaults["CAMPAIGN_NAME"], defaults["CAMPAIGN_POSTAL_ADDRESS"], defaults["UPDATES_PER_MINUTE"]) == (
        "",
        "",
        600,
    )


@pytest.mark.parametrize("pace", ["0", "-5", "fast", "1.5"])
def test_an_updates_pace_that_is_not_a_whole_number_above_zero_is_refused(instance, pace):
    with pytest.raises(ConfigError, match="UPDATES_PER_MINUTE"):
        load_config(instance, {"TESTING": "true", "UPDATES_PER_MINUTE": pace})


def test_production_without_a_privacy_contact_refuses_to_start(instance):
    """The privacy page promises a way to ask about one's data: production must have somewhere to send it."""
    keys = {"SECRET_KEY": "k", "IP_HASH_KEY": "i"}
    for environ in (keys, keys | {"PUBLIC_URL": "http://203.0.113.7"}, keys | {"PRIVACY_CONTACT_EMAIL": ""}):
        with pytest.raises(ConfigError) as raised:
            load_config(instance, environ=environ)
        assert "PRIVACY_CONTACT_EMAIL is not set" in str(raised.value)
    # A real host name gives privacy@ it; an address given is kept.
    named = load_config(instance, environ=keys | {"PUBLIC_URL": "https://letter.example.ca"})
    assert privacy_contact(named) == "privacy@letter.example.ca"
    given = load_config(instance, environ=keys | {"PRIVACY_CONTACT_EMAIL": "vie-privee@example.ca"})
    assert privacy_contact(given) == "vie-privee@example.ca"


def test_development_and_tests_fall_back_to_a_real_sender_address_or_none(instance):
    base = {"APP_ENV": "development", "PUBLIC_URL": "http://127.0.0.1:5000"}
    real = load_config(instance, environ=base | {"MAIL_DEFAULT_SENDER": "Lettre <equipe@lettre.example.ca>"})
    assert privacy_contact(real) == "equipe@lettre.example.ca"
    for sender in ("Open letter <no-reply@localhost>", "Letter <no-reply@letter.example.ca>", "x@192.0.2.1"):
        config = load_config(instance, environ=base | {"MAIL_DEFAULT_SENDER": sender})
        assert privacy_contact(config) is None, sender
    tests = load_config(instance, environ={"MAIL_DEFAULT_SENDER": "equipe@lettre.example.ca"}, testing=True)
    assert privacy_contact(tests) == "equipe@lettre.example.ca"
