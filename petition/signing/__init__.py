"""Individual signatures: the form, the states a signature moves through, and the email links."""
