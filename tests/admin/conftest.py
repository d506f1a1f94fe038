"""Fixtures for the administration's tests: an administrator and a signed-in client."""

import pytest

from petition.admin.accounts import create_administrator
from petition.extensions import db
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in


@pytest.fixture
def administrator(app):
    with app.app_context():
        admin_id = create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD).id
        db.session.remove()
    return admin_id


@pytest.fixture
def admin(client, administrator):
    """A client signed in as the administrator."""
    response = sign_in(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client
