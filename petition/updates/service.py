"""Writing updates, and reading how they stand: what the admin pages and the commands call.

An update is written in both languages (a subject and a Markdown body each, all required) and may
be limited to provinces. It can be changed while it is a draft; sending is ``sending.py``.
Everything an administrator does to one goes into the audit log, with the counts it had.
"""

import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, func, select

from petition.audit import record_audit
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.provinces import PROVINCE_CODES
from petition.updates import sending
from petition.updates.audience import audience_counts
from petition.updates.emails import queue_test
from petition.updates.markup import MarkupError, check_links
from petition.updates.models import CampaignUpdate, UpdateRecipient, UpdateStatus

SUBJECT_MAX = 200
BODY_MAX = 20_000


class UpdateError(ValueError):
    """What was written cannot be kept as it is; the message says what to change."""


@dataclass(frozen=True)
class Draft:
    subject_en: str
    body_en: str
    subject_fr: str
    body_fr: str
    provinces: tuple = ()


def has_control_characters(text, allow_line_breaks):
    allowed = {"\n", "\r", "\t"} if allow_line_breaks else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def checked(draft):
    """The draft's values, tidied, or ``UpdateError`` naming the first thing to change."""
    values = {}
    for lang, language in (("en", "English"), ("fr", "French")):
        subject = (getattr(draft, f"subject_{lang}") or "").strip()
        body = (getattr(draft, f"body_{lang}") or "").replace("\r\n", "\n").strip()
        if not subject or not body:
            raise UpdateError(f"the {language} subject and body are both required")
        if len(subject) > SUBJECT_MAX:
            raise UpdateError(f"the {language} subject is longer than {SUBJECT_MAX} characters")
        if len(body) > BODY_MAX:
            raise UpdateError(f"the {language} body is longer than {BODY_MAX} characters")
        if has_control_characters(subject, allow_line_breaks=False) or has_control_characters(body, True):
            raise UpdateError(f"the {language} subject or body holds control characters")
        try:
            check_links(body)
        except MarkupError as error:
            raise UpdateError(f"the {language} body: {error}") from None
        values[f"subject_{lang}"] = subject
        values[f"body_{lang}"] = body
    provinces = sorted({code.strip().upper() for code in draft.provinces or ()})
    unknown = [code for code in provinces if code not in PROVINCE_CODES]
    if unknown:
        raise UpdateError(f"unknown province or territory code: {', '.join(unknown)}")
    values["provinces"] = provinces or None
    return values


def create(draft, actor=None):
    """A new draft from ``draft``; audited."""
    campaign_update = CampaignUpdate(**checked(draft), created_by=actor)
    db.session.add(campaign_update)
    db.session.flush()
    record_audit("update created", audit_detail(campaign_update), actor=actor, commit=False)
    db.session.commit()
    return campaign_update


def change(campaign_update, draft, actor=None):
    """Rewrite a draft; an update being sent or sent is as it went out."""
    if campaign_update.status != UpdateStatus.DRAFT:
        raise UpdateError(f"update {campaign_update.id} is {campaign_update.status}: only a draft can be changed")
    for name, value in checked(draft).items():
        setattr(campaign_update, name, value)
    record_audit("update changed", audit_detail(campaign_update), actor=actor, commit=False)
    db.session.commit()
    return campaign_update


def audit_detail(campaign_update, **extra):
    where = ", ".join(campaign_update.provinces) if campaign_update.provinces else "all provinces"
    parts = [f"update {campaign_update.id}", f"“{campaign_update.subject_en}”", where]
    parts += [f"{name.replace('_', ' ')} {value}" for name, value in extra.items()]
    return "; ".join(parts)


def send_test(campaign_update, address, actor=None):
    """Queue the update, in each language, to ``address`` only; audited."""
    queue_test(campaign_update, address)
    record_audit("update test sent", audit_detail(campaign_update, to=address), actor=actor, commit=False)
    db.session.commit()


def send(campaign_update, actor=None):
    """Start sending; returns the recipients by language. Audited with the counts."""
    counts = sending.start_sending(campaign_update)
    record_audit("update sent", audit_detail(campaign_update, english=counts["en"], french=counts["fr"]), actor=actor)
    return counts


def cancel(campaign_update, actor=None):
    """Stop sending (or discard a draft); returns how many waiting messages were dropped."""
    dropped = sending.cancel(campaign_update)
    record_audit("update cancelled", audit_detail(campaign_update, dropped=dropped), actor=actor)
    return dropped


def recipients_now(campaign_update):
    """Who would receive it if sent now, by language."""
    return audience_counts(campaign_update.provinces)


def all_updates():
    return db.session.execute(select(CampaignUpdate).order_by(CampaignUpdate.id.desc())).scalars().all()


@dataclass(frozen=True)
class Progress:
    """How a send stands: recipients still to hand over, messages on their way, sent, failed,
    and those no longer sent (skipped when their turn came, or dropped from the outbox)."""

    recipients: int
    waiting: int
    queued: int
    sent: int
    failed: int
    not_sent: int

    @property
    def done(self):
        return self.waiting == 0 and self.queued == 0

    def as_dict(self):
        return {**self.__dict__, "done": self.done}


def progress(campaign_update):
    """Read in one query over the update's recipients and their messages."""
    recipient = UpdateRecipient.__table__.c
    status = OutboxMessage.__table__.c.status

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(),
            counted(recipient.queued_at.is_(None) & recipient.skipped.is_(False)),
            counted(status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING])),
            counted(status == OutboxStatus.SENT),
            counted(status == OutboxStatus.FAILED),
            counted(recipient.skipped.is_(True) | (status == OutboxStatus.DROPPED)),
        )
        .select_from(UpdateRecipient.__table__)
        .outerjoin(OutboxMessage.__table__, OutboxMessage.__table__.c.id == recipient.message_id)
        .where(recipient.update_id == campaign_update.id)
    ).one()
    waiting = row[1] if campaign_update.status != UpdateStatus.CANCELLED else 0
    not_sent = row[5] + (row[1] if campaign_update.status == UpdateStatus.CANCELLED else 0)
    return Progress(row[0], waiting, row[2], row[3], row[4], not_sent)
