"""Where signatures come from, without keeping the address they came from.

A signature keeps a keyed hash of its IP (HMAC-SHA-256 with ``IP_HASH_KEY``, a key of its own),
cut to 64 bits: enough that distinct sources among millions of signatures do not collide, so the
trending page can group them and an administrator can search and invalidate by source, while a
copy of the database alone does not link the names on the letter to their network addresses.
Raw IPs live only in the rate limiter's short windows.
"""

import contextlib
import hashlib
import hmac
import ipaddress
import re

from flask import current_app

# Hex digits kept of the HMAC: 64 bits.
HASH_LENGTH = 16
HASH_PATTERN = re.compile(rf"[0-9a-f]{{{HASH_LENGTH}}}")


def ip_hash(address, key=None):
    """The stored form of ``address`` (None for none). The address is normalised first, so that
    ``2001:DB8::1`` and ``2001:db8:0::1`` are one source; text that is not an IP is hashed as it is."""
    if not address:
        return None
    with contextlib.suppress(ValueError):  # not an IP: hashed as it is
        address = ipaddress.ip_address(address.strip()).compressed
    key = key if key is not None else current_app.config["IP_HASH_KEY"]
    digest = hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()
    return digest[:HASH_LENGTH]


def search_key(text):
    """What an administrator typed in the IP field, as the stored form: an IP is hashed; a hash
    copied from the trending page or a signature's page is taken as it is."""
    text = text.strip().lower()
    if HASH_PATTERN.fullmatch(text):
        return text
    return ip_hash(text)
