"""The accounting of a load run: every answer, row, message and count checked against the submissions."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from bench.load.stores import sink_rows


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def account(run, submitted, confirmed, links, count_value):
    """Every check of the run, appended to ``run.checks``; returns the facts for the report."""
    args, checks, faults = run.args, run.checks, run.faults
    expected = args.signatures
    facts = {}

    # HTTP answers
    for phase in (p for p in (submitted, confirmed) if p is not None):
        failures = phase.failures()
        client_errors = [(k, a) for k, a in failures if a.status is not None and a.status < 500]
        server_errors = [(k, a) for k, a in failures if a.status is None or a.status >= 500]
        explained = [(k, a) for k, a in server_errors if args.faults and faults.explains(a.ended)]
        unexplained = [(k, a) for k, a in server_errors if not (args.faults and faults.explains(a.ended))]
        kinds = Counter(str(a.status) if a.status else a.error.split(":")[0] for _, a in failures)
        facts[f"{phase.name} failures"] = dict(kinds)
        never = [k for k, o in phase.outcomes.items() if not o.accepted]
        detail = f"{len(failures)} failed attempt(s) {dict(kinds) or ''}".strip()
        if args.faults:
            detail += f"; {len(explained)} inside a fault's window and retried, {len(unexplained)} outside any"
        checks.append(Check(f"{phase.name}: no 5xx or lost connection outside a fault", not unexplained, detail))
        checks.append(Check(f"{phase.name}: no 4xx", not client_errors, f"{len(client_errors)} 4xx answer(s)"))
        checks.append(
            Check(
                f"{phase.name}: every request ended with 303",
                not never and len(phase.outcomes) == phase_size(run, phase, links),
                f"{len(phase.outcomes) - len(never):,} of {phase_size(run, phase, links):,}",
            )
        )

    accepted = (
        {k for k, o in submitted.outcomes.items() if o.accepted} if submitted is not None else set(run.submissions)
    )
    retried = [k for k, o in submitted.outcomes.items() if len(o.attempts) > 1] if submitted is not None else []

    # Rows in the app's database
    rows = run.db.query("SELECT email, status FROM signature")
    per_email = Counter(email_address for email_address, _ in rows)
    statuses = Counter(status for _, status in rows)
    missing = accepted - set(per_email)
    twice = [e for e, n in per_email.items() if n > 1]
    extra = set(per_email) - accepted
    checks.append(
        Check(
            "every accepted submission stored exactly once",
            not missing and not twice,
            f"{len(accepted):,} accepted; {len(missing)} missing, {len(twice)} stored more than once",
        )
    )
    checks.append(Check("nothing stored that was not accepted", not extra, f"{len(extra)} row(s) not accepted"))
    facts["signature statuses"] = dict(statuses)

    # The outbox and the sink
    outbox = run.db.query(
        "SELECT id, kind, to_address, message_id, status, attempts, claimed_by, last_error FROM outbox_message"
    )
    outbox_status = Counter(row[4] for row in outbox)
    checks.append(
        Check(
            "every outbox message sent (none queued, sending or failed)",
            set(outbox_status) <= {"sent"},
            str(dict(outbox_status)),
        )
    )
    received = sink_rows(run.sink_store)
    per_message_id = Counter(row[3] for row in received)
    by_message_id = {row[3]: row for row in outbox}
    duplicates = {mid: n for mid, n in per_message_id.items() if n > 1}
    unknown = [mid for mid in per_message_id if mid not in by_message_id]
    undelivered = [row for row in outbox if row[4] == "sent" and row[3] not in per_message_id]
    checks.append(
        Check(
            "every sent outbox message delivered (in the sink's store)",
            not undelivered,
            f"{len(outbox):,} outbox message(s), {len(received):,} received by the sink; {len(undelivered)} missing",
        )
    )
    checks.append(Check("no message in the sink that the outbox does not know", not unknown, f"{len(unknown)}"))
    checks.append(
        Check(
            "no message delivered twice (same Message-ID)",
            not duplicates,
            f"{len(duplicates)} duplicated" + describe_duplicates(run, duplicates, by_message_id, received),
        )
    )
    confirm_rows = defaultdict(list)
    for row in outbox:
        if row[1] == "confirm":
            confirm_rows[row[2]].append(row)
    without = [a for a in accepted if not links.get(a)]
    several = {a: len(v) for a, v in confirm_rows.items() if len(v) > 1}
    checks.append(
        Check(
            "a confirmation email received for every accepted address",
            not without,
            f"{len(accepted) - len(without):,} of {len(accepted):,}",
        )
    )
    resubmitted = [a for a in several if a in retried]
    checks.append(
        Check(
            "one confirmation email per address, or one per stored submission",
            all(a in retried for a in several),
            f"{len(several)} address(es) with more than one confirmation email; "
            f"{len(resubmitted)} of them re-submitted by their client after a failed attempt that had in fact "
            "been stored (a second submission queues a second email, by design)",
        )
    )
    facts["outbox kinds"] = dict(Counter(row[1] for row in outbox))
    facts["sink messages"] = len(received)
    facts["retried submissions"] = len(retried)
    facts["addresses with two confirmation emails"] = len(several)

    # Confirmations and counts
    confirmed_rows = statuses.get("confirmed", 0)
    shards = run.db.query("SELECT coalesce(sum(count), 0) FROM signature_count_shard")[0][0]
    tallies = dict(
        run.db.query(
            "SELECT kind || '/' || key, sum(count) FROM signature_tally "
            "WHERE (kind = 'status' AND key = 'confirmed') OR (kind = 'submitted') OR (kind = 'ever_confirmed') "
            "GROUP BY kind, key"
        )
    )
    checks.append(Check("every signature confirmed", confirmed_rows == expected, f"{confirmed_rows:,} of {expected:,}"))
    checks.append(
        Check(
            f"public count exactly {expected:,}, equal to the confirmed rows and the shards",
            count_value == expected == confirmed_rows == shards,
            f"/api/count {count_value:,}, confirmed rows {confirmed_rows:,}, shards {shards:,}",
        )
    )
    checks.append(
        Check(
            "administrators' tallies agree (submitted, status/confirmed, ever_confirmed)",
            tallies.get("submitted/all") == len(per_email)
            and tallies.get("status/confirmed") == confirmed_rows
            and tallies.get("ever_confirmed/all") == confirmed_rows,
            str(tallies),
        )
    )
    return facts


def phase_size(run, phase, links):
    return run.args.signatures if phase.name == "submissions" else len(links)


def describe_duplicates(run, duplicates, by_message_id, received):
    """For each message received twice: when, by whom, and which fault explains it."""
    if not duplicates:
        return ""
    times = defaultdict(list)
    for _id, at, _rcpt, message_id in received:
        times[message_id].append(at)
    parts = []
    for message_id in list(duplicates)[:10]:
        row = by_message_id.get(message_id)
        first = run.to_perf(times[message_id][0])
        when = ", ".join(f"{run.since_start(at):.1f}s" for at in times[message_id])
        causes = [
            f"it was claimed (status 'sending') by the mail worker killed at {fault.started - run.perf0:.1f}s, "
            f"{fault.started - first:.2f}s after the sink had stored it: the worker died between the SMTP "
            "server's 250 and its commit of 'sent', and the message was sent again when its lease ran out"
            for fault in run.faults.log
            if message_id in fault.claimed
        ]
        if not causes:
            # Not held by a killed worker: say which faults were close to its first receipt.
            for fault in run.faults.log:
                if fault.near(first) and fault.name.startswith("PostgreSQL"):
                    causes.append(
                        f"first receipt {first - fault.started:+.2f}s from the start of the PostgreSQL restart: "
                        "its sender had the 250 but could not commit 'sent' with the database going down, so "
                        "the message stayed 'sending' and was sent again when its lease ran out"
                    )
                elif fault.near(first):
                    causes.append(f"first receipt {first - fault.started:+.2f}s from '{fault.name}'")
        parts.append(
            f"{message_id} to {row[2] if row else '?'}: received at {when} (from the first submission); "
            f"outbox attempts {row[5] if row else '?'}, last claimed by {row[6] if row else '?'}; "
            + ("; ".join(causes) or "no fault near it")
        )
    return ": " + "; ".join(parts)
