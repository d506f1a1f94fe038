"""The canonical form of an email address, so that one person counts once.

``Jane.Doe+petition@GoogleMail.com`` and ``janedoe@gmail.com`` are the same mailbox.
"""

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def canonical_email(address):
    local, _, domain = address.strip().lower().rpartition("@")
    # A tag follows a name: "+cmd@example.org" is a mailbox of its own, not "@example.org".
    name = local.partition("+")[0]
    if name:
        local = name
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
