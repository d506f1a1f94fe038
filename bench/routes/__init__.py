"""Throughput of the public routes, measured against a trivial route on the same server.

    .venv/bin/python -m bench.routes [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                     [--signatures 1000000] [--duration 10] [--connections 8]
                                     [--workers 2] [--check] [--markdown-out FILE]

The script makes a throwaway database (a SQLite file in a temporary directory, or a fresh
PostgreSQL database on the server that ``--database-url`` names, created and dropped here), builds
the schema with the migrations, imports the bundled endorsements, adds ``--signatures`` confirmed
signatures with ``bench.fill`` (none by default), starts the app under gunicorn on a free port,
and measures each route with wrk (a separate process) after a short warm-up.

Every GET route that a visitor or an embedding site reaches is measured, in both languages where
it has a language prefix (``ROUTES``); the administrators' pages are ``bench.admin``'s. The
routes behind a link that people are given get a real one, made in this process by the app's own
code with the server's secret key (``visitor_links``): the lead signatory's pages and its private
figures link, and the links in the confirmation email of a signature submitted through the signing
service (its email waits in the outbox: the web processes only queue, as in production, and no mail
worker runs). ``/<lang>/thanks`` is measured with the session that confirming through the
confirmation page leaves, for a second signature per language.

Absolute figures depend on the machine, so each route is judged by its ratio to ``/robots.txt``,
which does no work beyond the framework's: the letter pages must reach 0.40 of it, ``/api/count``
0.80, the first page of the signers list 0.30; the other routes have no target. The list's second
page, which no cache serves, is measured too when there is one. The baseline is measured first and
last and the ratios use the mean of the two, so that any drift during the run (a noisy neighbour,
thermal throttling) shows instead of skewing one route.

Every route must answer 200 before its run and again after the last one (a redirect or an error
page is not measured, and a GET that changed what it shows would now redirect), and a run with any
non-2xx response or socket error fails with status 1 whatever the targets.

Everything is bounded in time (each wrk run lasts ``--duration`` seconds) and cleaned up on every
exit path, Ctrl-C and SIGTERM included: gunicorn is stopped, the temporary directory and database removed.

The package: ``plan`` (the routes, and the requests made of them), ``links`` (the links people
are given, made by the app's own code), ``report`` (the table and the machine facts), and
``__main__`` (the options and the run); the throwaway database, gunicorn and wrk are
``bench.harness``'s.
"""
