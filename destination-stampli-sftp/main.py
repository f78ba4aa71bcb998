import sys

from destination_stampli_sftp.run import run

if __name__ == "__main__":
    sys.exit(run())
