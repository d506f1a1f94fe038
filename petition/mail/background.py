"""The sender that runs inside each app process, so mail goes out with nothing else started.

It sleeps until a commit adds to the outbox (or ``MAIL_POLL_SECONDS`` pass, to pick up retries
and messages queued by other processes), then drains what is due. It starts with the first
request of each process, which also makes it safe under gunicorn's forking.
"""

import logging
import os
import threading

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from petition.extensions import db
from petition.mail.outbox import drain_all
from petition.mail.wake import woken

log = logging.getLogger(__name__)


class BackgroundSender:
    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = None
        self.pid = None
        self.lock = threading.Lock()

    def ensure_started(self):
        if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
            return
        with self.lock:
            if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid = os.getpid()
            self.stopping.clear()
            self.thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
            self.thread.start()

    def run(self):
        poll = self.app.config["MAIL_POLL_SECONDS"]
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    drain_all()
                    db.session.remove()
            except Exception:  # the sender must outlive a bad moment, such as a database restart
                log.exception("the outbox sender failed; trying again shortly")
            self.wake.wait(timeout=poll)
            self.wake.clear()

    def stop(self, timeout=5):
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)


def wake_sender_after_commit(session):
    if woken(session) and has_app_context():
        sender = current_app.extensions.get("outbox_sender")
        if sender is not None:
            sender.ensure_started()
            sender.wake.set()


def init_app(app):
    if not app.config["MAIL_BACKGROUND_SENDER"]:
        return
    sender = BackgroundSender(app)
    app.extensions["outbox_sender"] = sender

    @app.before_request
    def start_sender():
        sender.ensure_started()

    if not event.contains(Session, "after_commit", wake_sender_after_commit):
        event.listen(Session, "after_commit", wake_sender_after_commit)
