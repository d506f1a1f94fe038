"""Security headers for every response.

Pages load nothing from outside the site and run no inline script, so the policy can be strict.
A view that must be framed by other sites (the embeddable counter) sets ``response.frame_ancestors``.
"""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors {frame_ancestors}"
)


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
    if app.config["PUBLIC_URL"].startswith("https://"):

        @app.after_request
        def strict_transport_security(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
