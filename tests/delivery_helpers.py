"""Signers in every script the delivery document must print, and the document read back with poppler."""

import re
import subprocess
import unicodedata

from petition.extensions import db
from petition.signing import moderation, service
from tests.export_helpers import add

# (first, last, display, province, city): names as signers write them, in the scripts of Canada's
# communities; each must be found in the document as the public list would show it.
SHOWN = [
    ("Marie-Ève", "Côté", "full", "QC", "Rimouski", "Marie-Ève Côté, Rimouski"),
    ("محمد", "عبد الله", "full", "ON", "Mississauga", "محمد عبد الله, Mississauga"),
    ("فاطمة", "الزهراء", "initial", "ON", None, "فاطمة ا."),
    ("李", "小龙", "full", "BC", "Richmond", "李 小龙, Richmond"),
    ("ਗੁਰਪ੍ਰੀਤ", "ਸਿੰਘ", "full", "BC", "Surrey", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ, Surrey"),
    ("ᐊᓂᑕ", "ᖃᐅᓇᖅ", "full", "NU", "Iqaluit", "ᐊᓂᑕ ᖃᐅᓇᖅ, Iqaluit"),
    ("Ольга", "Петренко", "full", "MB", "Winnipeg", "Ольга Петренко, Winnipeg"),
    ("Νίκος", "Παπαδόπουλος", "initial", "ON", "Toronto", "Νίκος Π."),
    ("יעל", "כהן", "full", "QC", "Montréal", "יעל כהן, Montréal"),
    ("दीपिका", "शर्मा", "full", "AB", "Calgary", "दीपिका शर्मा, Calgary"),
    ("민준", "김", "full", "ON", None, "민준 김"),
    ("Nguyễn", "Thị Minh Khai", "full", "NS", "Halifax", "Nguyễn Thị Minh Khai, Halifax"),
    ("Zoë", "Ñúñez-O'Brien", "initial", "XX", "Paris", "Zoë Ñ."),
]
TOTAL = len(SHOWN) + 2  # with one who asked not to be named and one hidden by moderation
HIDDEN_NAMES = ["Secret", "Nameless", "Moderated", "Pending", "Withdrawn", "Invalidated"]


def add_signers(app):
    """The signers above, and those the document must not name (some of them not counted at all)."""
    with app.test_request_context():
        for index, (first, last, display, province, city, _) in enumerate(SHOWN):
            add(first, last, f"s{index}@example.org", display=display, province=province, city=city)
        add("Secret", "Nameless", "secret@example.org", display="none", province="ON")
        moderation.hide(add("Moderated", "Person", "moderated@example.org", province="QC"))
        add("Pending", "Person", "pending@example.org", confirm=False)
        service.withdraw(add("Withdrawn", "Person", "withdrawn@example.org"))
        moderation.invalidate(add("Invalidated", "Person", "invalidated@example.org"))
        db.session.remove()


def pdf_text(path, first=None, last=None):
    command = ["pdftotext", "-enc", "UTF-8"]
    if first:
        command += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*command, str(path), "-"], capture_output=True, check=True, text=True).stdout


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def comparable(text):
    """Text without spaces, punctuation or bidirectional marks: poppler places those its own way
    around right-to-left words (a period after an Arabic initial comes out before it)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "PC")
