"""Who an update goes to: the confirmed signers who asked for updates, in their own language.

Withdrawing, being invalidated and the anonymisation all clear ``wants_updates``, and only a
confirmed signature keeps it; an address whose server refused mail for good is left out
(``mail.suppression``). An update may be limited to provinces, as e-petitions' mailshots are to
constituencies.
"""

from sqlalchemy import func, select

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.mail.suppression import suppressed
from petition.signing.models import Signature, SignatureStatus


def wants_updates():
    """The condition on ``signature`` for someone who still wants updates, the address aside."""
    return (Signature.status == SignatureStatus.CONFIRMED) & Signature.wants_updates.is_(True)


def audience(provinces=None):
    """The condition on ``signature`` for a recipient of an update limited to ``provinces``."""
    condition = wants_updates() & ~suppressed(Signature.email)
    if provinces:
        condition &= Signature.province.in_(provinces)
    return condition


def audience_counts(provinces=None):
    """How many would receive an update now, by language (every language, zeros included)."""
    rows = db.session.execute(
        select(Signature.lang, func.count()).where(audience(provinces)).group_by(Signature.lang)
    ).all()
    counts = dict.fromkeys(LANGUAGES, 0)
    counts.update({lang: count for lang, count in rows if lang in counts})
    return counts
