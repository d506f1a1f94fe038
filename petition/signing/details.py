"""What confirming a signature makes true, as the signer is shown it before confirming.

The confirmation email and the page its link opens both show it: the name as it will appear on
the public list (or that it will not), the city, the province, and whether updates will be sent.
A link confirms exactly these, because the details never change without a new nonce
(``service.resubmit_pending``), which retires every link sent before.
"""

from dataclasses import dataclass

from petition.provinces import province_name
from petition.signers.queries import public_name
from petition.signing.models import NameDisplay


@dataclass(frozen=True)
class Details:
    public_name: str | None  # None: the name is not shown
    city: str | None
    province: str  # its name in the current language
    updates: bool


def details_of(signature):
    """``signature``'s details; call it in the language they are to be read in."""
    display = NameDisplay(signature.display)
    shown = None if display == NameDisplay.NONE else public_name(signature.first_name, signature.last_name, display)
    return Details(
        public_name=shown,
        city=signature.city or None,
        province=province_name(signature.province),
        updates=bool(signature.wants_updates),
    )
