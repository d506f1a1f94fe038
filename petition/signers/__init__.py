"""The public list of signers: confirmed signers who chose to be shown, as they chose."""
