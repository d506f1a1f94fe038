"""Email as a service to the features: the durable outbox, its registry of message kinds, its senders."""
