"""stampli-nav-runner."""
