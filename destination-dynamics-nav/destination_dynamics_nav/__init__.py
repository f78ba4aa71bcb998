"""destination-dynamics-nav."""
