"""The one-command demo (`make demo`) and the environment the end-to-end tests share with it."""
