"""Milestones: each goal of ``SIGNATURE_GOALS`` recorded once, when the count first reaches it.

``record_reached`` runs in the transaction of a confirmation, after its count has moved. Goals
are the primary key and the insert ignores a conflict, so confirmations that race across a goal
record it once whatever their number; a transaction inserting a goal that another has inserted
but not yet committed waits for it, then does nothing. Under READ COMMITTED two confirmations
may each miss the other's increment and neither see the goal; the next confirmation, seeing it,
records it a moment later. A withdrawal never removes one.
"""

from flask import current_app

from petition.campaign import state
from petition.campaign.models import Milestone
from petition.campaign.service import insert_ignoring_conflict
from petition.config_values import parse_goals


def goals():
    return parse_goals(current_app.config["SIGNATURE_GOALS"])


def record_reached(read_total):
    """Record every goal up to the count this transaction sees (``read_total()``) not recorded yet.

    Returns the goals this transaction inserted. Goals known to be recorded (the cached state)
    are not tried again, and once every goal is known the count is not even read.
    """
    known = state.current().reached_goals()
    waiting = [goal for goal in goals() if goal not in known]
    if not waiting:
        return []
    total = read_total()
    due = [goal for goal in waiting if goal <= total]
    inserted = []
    # Smallest first, in every transaction: two of them never wait on each other in a cycle.
    for goal in due:
        result = insert_ignoring_conflict(Milestone, {"goal": goal, "reached_at": state.now()}, "goal")
        if result.rowcount:
            inserted.append(goal)
    return inserted


def reached():
    """The goals reached, smallest first (``state.Reached``: goal, reached_at)."""
    return state.milestones()
