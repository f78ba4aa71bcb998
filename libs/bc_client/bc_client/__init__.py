"""bc-client."""
