"""The letter page in each language, and the language choice."""
