"""source-dynamics-nav."""
