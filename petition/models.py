"""Every model of the app, imported in one place so that migrations see the whole schema."""

from petition.admin.models import Administrator
from petition.audit import AuditEvent
from petition.campaign.models import Campaign, Milestone
from petition.endorsements.models import Endorsement
from petition.endorsements.request_models import EndorsementRequest, ReceivedFiguresAsk
from petition.mail.models import OutboxMessage
from petition.mail.suppression import SuppressedAddress
from petition.sharing.models import ShareLink
from petition.signing.models import (
    ReceivedSubmission,
    Signature,
    SignatureCountShard,
    SignatureEvent,
    SignatureTally,
)
from petition.updates.models import CampaignUpdate, UpdateRecipient

__all__ = [
    "Administrator",
    "AuditEvent",
    "Campaign",
    "CampaignUpdate",
    "Endorsement",
    "EndorsementRequest",
    "Milestone",
    "OutboxMessage",
    "ReceivedFiguresAsk",
    "ReceivedSubmission",
    "ShareLink",
    "Signature",
    "SignatureCountShard",
    "SignatureEvent",
    "SignatureTally",
    "SuppressedAddress",
    "UpdateRecipient",
]
