"""Which confirmed signatures an export holds: days, a province, consent to updates."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from petition.provinces import PROVINCE_CODES

UPDATES_CHOICES = ("any", "yes", "no")

# The days whose first and last instants stay on the calendar in any time zone: the day after the
# last one, or the start of the first one moved to UTC, would be past datetime's range.
FIRST_DAY = date.min + timedelta(days=1)
LAST_DAY = date.max - timedelta(days=1)


class ExportFilterError(ValueError):
    """A filter cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ExportFilters:
    """Which confirmed signatures to export. Days are the campaign's days, both ends included."""

    since: date | None = None
    until: date | None = None
    province: str | None = None
    updates: str = "any"  # "yes": only those who want updates, "no": only those who do not

    def __post_init__(self):
        if self.province is not None and self.province not in PROVINCE_CODES:
            raise ExportFilterError(f"unknown province {self.province!r}")
        if self.updates not in UPDATES_CHOICES:
            raise ExportFilterError(f"updates must be one of {', '.join(UPDATES_CHOICES)}, not {self.updates!r}")
        for name, day in (("since", self.since), ("until", self.until)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise ExportFilterError(f"{name} must be a day from {FIRST_DAY} to {LAST_DAY}, not {day}")
        if self.since and self.until and self.since > self.until:
            raise ExportFilterError("the first day comes after the last day")

    @classmethod
    def parse(cls, since=None, until=None, province=None, updates=None):
        """Filters from text, as a form or a command line gives them (empty means no filter)."""
        return cls(
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            province=(province or "").strip().upper() or None,
            updates=(updates or "any").strip().lower(),
        )

    def describe(self):
        """The filters as plain values, for the audit log."""
        return {name: value.isoformat() if isinstance(value, date) else value for name, value in asdict(self).items()}


def parse_day(text, name):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportFilterError(f"{name} must be a date written YYYY-MM-DD, not {text!r}") from None
