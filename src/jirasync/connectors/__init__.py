"""Thin async clients, webhook parsing and webhook registration for each remote system."""
