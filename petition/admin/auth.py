"""Administrators' sign-in, sessions and the guard on every admin page."""


def init_app(app):
    pass
