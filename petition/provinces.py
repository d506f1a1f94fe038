"""Canada's thirteen provinces and territories, and "outside Canada": the two-letter codes that
signatures keep, and their names in the reader's language (lazy, so that they follow it)."""

from flask_babel import lazy_gettext as _l

PROVINCES = (
    ("AB", _l("Alberta")),
    ("BC", _l("British Columbia")),
    ("MB", _l("Manitoba")),
    ("NB", _l("New Brunswick")),
    ("NL", _l("Newfoundland and Labrador")),
    ("NS", _l("Nova Scotia")),
    ("NT", _l("Northwest Territories")),
    ("NU", _l("Nunavut")),
    ("ON", _l("Ontario")),
    ("PE", _l("Prince Edward Island")),
    ("QC", _l("Quebec")),
    ("SK", _l("Saskatchewan")),
    ("YT", _l("Yukon")),
    ("XX", _l("Outside Canada")),
)
PROVINCE_CODES = {code for code, _ in PROVINCES}


def province_name(code):
    """The province's or territory's name in the current language ("" for an unknown code)."""
    return str(dict(PROVINCES).get(code, ""))
