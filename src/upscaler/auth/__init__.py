"""Authentication for the admin: password login, server-side sessions (cookie)
and bearer tokens, CSRF, login throttling, and the FastAPI dependencies that
guard every admin page and admin API endpoint."""
