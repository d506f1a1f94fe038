"""The word a transaction leaves for its process's sender: "look now", when it commits."""

FLAG = "outbox_added"


def wake_after_commit(session):
    """Have this process's sender look at once, when ``session`` commits, for work just queued
    (an outbox message, a received sign form) rather than at its next poll."""
    session.info[FLAG] = True


def woken(session):
    """True, once, after a transaction that called ``wake_after_commit``."""
    return session.info.pop(FLAG, False)
