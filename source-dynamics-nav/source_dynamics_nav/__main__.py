"""`python -m source_dynamics_nav spec|check|discover|read|write ...`: the same entry point as the `source-dynamics-nav` console script."""

from source_dynamics_nav.run import run

if __name__ == "__main__":
    run()
