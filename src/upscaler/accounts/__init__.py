"""Accounts on the public API: API keys, who is calling, and their limits."""
