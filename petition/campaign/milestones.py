"""Milestones: each goal of ``SIGNATURE_GOALS`` recorded once, when the count first reaches it.

``record_reached`` runs in the transaction of a confirmation, after its count has moved. Goals
are the primary key and the insert ignores a conflict, so confirmations that race across a goal
record it once whatever their number; a transaction inserting a goal that another has inserted
but not yet committed waits for it, then does nothing. Under READ COMMITTED two confirmations
may each miss the other's increment and neither see the goal: a confirmation that sees a goal
just ahead (``NEAR``) looks again once it has committed (``check_after_commit``), when every
confirmation committed before it is counted, so the last of a racing group records the goal a
moment after the crossing. A withdrawal never removes one.
"""

from flask import current_app

from petition.campaign import state
from petition.campaign.models import Milestone
from petition.campaign.service import insert_ignoring_conflict
from petition.config_values import parse_goals
from petition.extensions import db

# How far below a goal a confirmation looks again after its commit: more than the confirmations
# that can be in flight at once (each app process holds a few database connections).
NEAR = 200


def goals():
    return parse_goals(current_app.config["SIGNATURE_GOALS"])


def record_reached(read_total):
    """Record every goal up to the count this transaction sees (``read_total()``) not recorded yet.

    Goals known to be recorded (the cached state) are not tried again, and once every goal is
    known the count is not even read. Returns True when a goal not yet reached is ``NEAR``: the
    caller then calls ``check_after_commit`` once its transaction has committed.
    """
    known = state.current().reached_goals()
    waiting = [goal for goal in goals() if goal not in known]
    if not waiting:
        return False
    total = read_total()
    # Smallest first, in every transaction: two of them never wait on each other in a cycle.
    for goal in waiting:
        if goal <= total:
            insert_ignoring_conflict(Milestone, {"goal": goal, "reached_at": state.now()}, "goal")
    return any(total < goal <= total + NEAR for goal in waiting)


def check_after_commit(read_total):
    """Record the goals that confirmations committed meanwhile have reached, in a transaction
    of its own (see the module's docstring)."""
    record_reached(read_total)
    db.session.commit()


def reached():
    """The goals reached, smallest first (``state.Reached``: goal, reached_at)."""
    return state.milestones()
