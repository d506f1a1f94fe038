"""Sharing by organisations: share links, ``?ref=`` codes, QR codes, an organisation's figures."""
