"""`python -m destination_dynamics_nav spec|check|discover|read|write ...`: the same entry point as the `destination-dynamics-nav` console script."""

from destination_dynamics_nav.run import run

if __name__ == "__main__":
    run()
