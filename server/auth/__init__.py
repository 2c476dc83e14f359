"""Accounts, login, token refresh and revocation, and who may do what."""
