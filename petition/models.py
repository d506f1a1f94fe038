"""Every model of the app, imported in one place so that migrations see the whole schema."""

from petition.endorsements.models import Endorsement
from petition.mail.models import OutboxMessage
from petition.signing.models import Signature, SignatureCountShard, SignatureEvent

__all__ = ["Endorsement", "OutboxMessage", "Signature", "SignatureCountShard", "SignatureEvent"]
