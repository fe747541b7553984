"""Who may use jirasync: local accounts (argon2 password hashes), API tokens (hashed at rest),
roles, and the login rate limit."""
