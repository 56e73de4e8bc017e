"""Password hashing and URL signing."""
