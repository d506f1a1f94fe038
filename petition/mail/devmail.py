"""``/dev/mail``: the development mailbox, so a newcomer can follow a confirmation link.

Registered only when ``APP_ENV=development``; it does not exist in production.
"""

import re
from email import policy
from email.parser import BytesParser

from flask import Blueprint, abort, render_template

from petition.mail.transport import mailbox_folder

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")

NAME = re.compile(r"^[\w.@-]+\.eml$")


def read(path):
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = message.get_body(preferencelist=("plain",))
    return {
        "name": path.name,
        "to": message["To"],
        "subject": message["Subject"],
        "date": path.stat().st_mtime,
        "text": text.get_content() if text else "",
        "links": re.findall(r"https?://\S+", text.get_content() if text else ""),
    }


@bp.get("/")
def inbox():
    folder = mailbox_folder()
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.exists() else []
    return render_template("mail/inbox.html", messages=[read(p) for p in paths[:100]])


@bp.get("/<name>")
def show(name):
    path = mailbox_folder() / name
    if not NAME.match(name) or not path.is_file():
        abort(404)
    return render_template("mail/message.html", message=read(path))
