"""The organisations that endorse the letter: their model, the bundled list and its import; and the
organisations that ask to join it, from their request to an administrator's review."""
