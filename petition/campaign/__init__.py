"""The campaign's life after signing: closing the letter, its delivery and the government's
response, and the milestones reached on the way.

``state`` reads all of it through a short process-local cache (pages read it on every request);
``service`` changes it, each change committed with its audit entry; ``milestones`` records each
goal once, in the transaction of the confirmation that crosses it.
"""
