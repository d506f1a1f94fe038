"""The organisations that endorse the letter: their model, the bundled list, and its import."""
