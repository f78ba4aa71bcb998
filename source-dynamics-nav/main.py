import sys

from source_dynamics_nav.run import run

if __name__ == "__main__":
    sys.exit(run())
