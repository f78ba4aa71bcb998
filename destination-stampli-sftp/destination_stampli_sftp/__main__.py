"""`python -m destination_stampli_sftp spec|check|discover|read|write ...`: the same entry point as the `destination-stampli-sftp` console script."""

from destination_stampli_sftp.run import run

if __name__ == "__main__":
    run()
