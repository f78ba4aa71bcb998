"""`python -m source_stampli_sftp spec|check|discover|read|write ...`: the same entry point as the `source-stampli-sftp` console script."""

from source_stampli_sftp.run import run

if __name__ == "__main__":
    run()
