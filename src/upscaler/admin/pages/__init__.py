"""HTML pages of the admin panel (include_in_schema=False)."""
