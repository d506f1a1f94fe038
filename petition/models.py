"""Every model of the app, imported in one place so that migrations see the whole schema."""

from petition.endorsements.models import Endorsement

__all__ = ["Endorsement"]
