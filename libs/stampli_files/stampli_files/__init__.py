"""stampli-files."""
