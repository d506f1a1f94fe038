"""Share links made directly, for the sharing tests."""

from petition.extensions import db
from petition.sharing.models import ShareLink

# The lead signatory, and another organisation on the bundled list.
ORG = "national-council-of-canadian-muslims"
OTHER_ORG = "al-rashid-mosque-2"


def add_share_link(app, code, label="Newsletter"):
    with app.app_context():
        db.session.add(ShareLink(code=code, label=label))
        db.session.commit()
