"""Security headers for every response.

Pages load nothing from outside the site and run no inline script, so the policy can be strict.
A view that must be framed by other sites (the embeddable counter) sets ``response.frame_ancestors``.
A view whose address holds a secret, or whose page follows from one, is marked ``@private_link``.
"""

from flask import current_app, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors {frame_ancestors}"
)


# The token in the address is the key to the page: no cache keeps it, no search engine lists it,
# no Referer carries it on to the next page (and into another site's logs, or this one's).
PRIVATE_LINK_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def private_link(view):
    """Mark a view reached from a link in an email or a private link: its answers, error pages
    included, carry ``PRIVATE_LINK_HEADERS``."""
    view.private_link = True
    return view


def set_private_link_headers(response):
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "private_link", False):
        response.headers.update(PRIVATE_LINK_HEADERS)
    return response


def set_security_headers(response):
    frame_ancestors = getattr(response, "frame_ancestors", "'none'")
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(frame_ancestors=frame_ancestors))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if frame_ancestors == "'none'":
        headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app):
    app.after_request(set_security_headers)
    app.after_request(set_private_link_headers)
    if app.config["PUBLIC_URL"].startswith("https://"):

        @app.after_request
        def strict_transport_security(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
