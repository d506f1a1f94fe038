"""A value kept in this process for a few seconds, for what many requests read and few change."""

import threading
import time


class Expiring:
    """Holds one value, recomputed by ``compute`` once it is older than ``seconds``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value = None
        self._expires = 0.0

    def get(self, compute, seconds):
        if self._value is not None and time.monotonic() < self._expires:
            return self._value
        with self._lock:
            # Another thread may have recomputed it while this one waited.
            if self._value is None or time.monotonic() >= self._expires:
                self._value = compute()
                self._expires = time.monotonic() + seconds
            return self._value

    def forget(self):
        """The next read goes to the source (after a change made in this process)."""
        with self._lock:
            self._value = None
            self._expires = 0.0
