import sys

from source_stampli_sftp.run import run

if __name__ == "__main__":
    sys.exit(run())
