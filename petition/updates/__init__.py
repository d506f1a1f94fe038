"""Campaign updates: news of the letter emailed to the signers who asked for it, in their language."""
