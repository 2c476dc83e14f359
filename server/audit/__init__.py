"""The append-only audit log of confirmations, corrections, card and role changes."""
