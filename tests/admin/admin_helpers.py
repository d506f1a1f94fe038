"""Steps the administration's tests share: signing in, CSRF tokens, signatures made fast."""

import re
from html import unescape

from tests.signing_helpers import make_signature, signature  # noqa: F401 - the admin tests' helpers too
from tests.support import csrf_token_from

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "a long enough passphrase"


def sign_in(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, next=None, headers=None):
    """Sign in through the page; ``headers`` go with both requests (a proxy's X-Forwarded-For)."""
    page = client.get("/admin/sign-in", headers=headers)
    token = csrf_token_from(page.get_data(as_text=True))
    path = "/admin/sign-in" + (f"?next={next}" if next else "")
    return client.post(path, data={"csrf_token": token, "email": email, "password": password}, headers=headers)


def token(client, path="/admin/"):
    """A CSRF token of the client's session, read from an admin page."""
    return csrf_token_from(client.get(path).get_data(as_text=True))


def public_count(client):
    return client.get("/api/count").get_json()["signatures"]


def text_of(response):
    """The page's text without tags or extra spaces, for checking what a person reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def names_under_letter(client, letter, lang="en"):
    """The organisations the public letter page files under ``letter`` of its index."""
    html = client.get(f"/{lang}/").get_data(as_text=True)
    group = re.search(rf'<h3 class="org-letter" id="org-{letter}">{letter}</h3>\s*<ul>(.*?)</ul>', html, re.S)
    assert group, f"no letter {letter} on /{lang}/"
    return [unescape(name) for name in re.findall(r"<li data-key=\"[^\"]*\"[^>]*>([^<]+)</li>", group.group(1))]
