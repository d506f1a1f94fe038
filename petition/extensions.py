"""Extension objects, created unbound and attached to the app in ``create_app``.

This module imports no app code, so any module can import from it without a loop.
"""

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep migrations portable between SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def configured_limit(setting):
    """A rate limit for ``limiter.limit`` read from the setting ``setting`` at request time, so
    that each app (and each test) keeps its own."""

    def limit():
        return current_app.config[setting]

    limit.__name__ = setting.lower()
    return limit
