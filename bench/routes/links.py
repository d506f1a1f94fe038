"""The links that people are given, made by the app's own code for bench.routes.

In the script's process, on the benchmark's database and with the server's secret key: the lead
signatory's pages and private figures link, the links in the confirmation emails of signatures
submitted through the signing service and of a request to endorse, and the session that
confirming through the confirmation page leaves (for ``/<lang>/thanks``).
"""

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

from bench.harness import BenchError, NoRedirect, app_context, get_ok


@dataclass(frozen=True)
class Links:
    """What one language's routes need: the values of the fields in their paths, and a signer's
    confirmation link to follow for the session of ``/<lang>/thanks``."""

    fields: dict
    to_confirm: str
    confirmer: str  # the signer's first name, which the thanks page shows after confirming


def lead_organisation():
    """The lead signatory's slug (the first organisation's if none leads): the organisation that
    ``fill.py`` credits most often, so its figures page is the heaviest."""
    from petition.endorsements.models import Endorsement
    from petition.extensions import db

    slug = db.session.execute(
        db.select(Endorsement.slug).order_by(Endorsement.is_lead.desc(), Endorsement.position).limit(1)
    ).scalar_one_or_none()
    if slug is None:
        raise BenchError("no endorsements were imported")
    return slug


def pending_signature(lang, role, first_name):
    """A signature submitted through the signing service, as the form submits one, not confirmed.

    It wants updates, so that its unsubscribe link shows the button, as for most who follow one.
    """
    from petition.extensions import db
    from petition.signing import service
    from petition.signing.forms import CONSENT_WORDING_VERSION
    from petition.signing.models import Signature

    signature_id = service.submit(
        service.Submission(
            first_name=first_name,
            last_name="Tremblay",
            email=f"bench-routes-{role}-{lang}@example.org",
            province="QC",
            city="Gatineau",
            display="full",
            wants_updates=True,
            consent_wording=CONSENT_WORDING_VERSION,
            lang=lang,
            ip_hash=None,
        )
    )
    return db.session.get(Signature, signature_id)


def pending_request(lang):
    """A request to endorse submitted through the service, as the form submits one, not confirmed."""
    from petition.endorsements import joining
    from petition.endorsements.request_models import EndorsementRequest
    from petition.extensions import db

    request_id = joining.submit(
        joining.Asked(
            name="Bench Routes Community Centre",
            website=None,
            province="QC",
            contact_name="Élodie Tremblay",
            contact_email=f"bench-routes-contact-{lang}@example.org",
            lang=lang,
        )
    )
    return db.session.get(EndorsementRequest, request_id)


def language_links(lang):
    """The links of ``lang``'s routes, made by the app's own code (in an app context): the lead
    signatory's figures link, as ``flask sharing stats-link`` prints it, and the links in the
    confirmation emails of two pending signatures, one to read and one to confirm, and the one of a
    request to endorse."""
    from petition.endorsements.request_tokens import confirm_token as request_token
    from petition.sharing.stats import stats_token
    from petition.signing import tokens

    slug = lead_organisation()
    reader = pending_signature(lang, "reader", "Élodie")
    confirmer = pending_signature(lang, "confirmer", "François")
    return Links(
        fields={
            "slug": slug,
            "stats_token": stats_token(slug),
            "confirm_token": tokens.confirm_token(reader),
            "withdraw_token": tokens.withdraw_token(reader),
            "unsubscribe_token": tokens.unsubscribe_token(reader),
            "request_token": request_token(pending_request(lang)),
        },
        to_confirm=f"/{lang}/confirm/{tokens.confirm_token(confirmer)}",
        confirmer=confirmer.first_name,
    )


def visitor_links(env, languages):
    """``language_links`` for every language, made on the benchmark's database before the server starts."""
    with app_context(env):
        return {lang: language_links(lang) for lang in languages}


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def answer(opener, url, data=None):
    """Status, headers and body, whether a page, a redirect or an error page."""
    try:
        with opener.open(url, data=data, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def confirmed_session(base_url, lang, links):
    """The session cookie that confirming leaves, as a signer gets it: open the confirmation link,
    press the button (a POST with the page's CSRF token), and land on the thanks page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    url = base_url + links.to_confirm
    status, _, page = answer(opener, url)
    token = CSRF_FIELD.search(page.decode()) if status == 200 else None
    if token is None:
        raise BenchError(f"the confirmation page in {lang} answered {status} without its form")
    status, headers, _ = answer(opener, url, urlencode({"csrf_token": token.group(1)}).encode())
    if status != 303 or urlsplit(headers.get("Location", "")).path != f"/{lang}/thanks":
        raise BenchError(f"confirming in {lang} answered {status}, not a redirect to /{lang}/thanks")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if links.confirmer not in get_ok(base_url, f"/{lang}/thanks", cookie).decode():
        raise BenchError(f"/{lang}/thanks does not greet the signer who has just confirmed")
    return cookie
