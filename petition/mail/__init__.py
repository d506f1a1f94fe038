"""Email: composing messages in the signer's language, the durable outbox, and its senders."""
