"""The `statusgen` command and `python -m statusgen`."""

import os
import sys


def main() -> None:
    """Load the command line and run it; Ctrl-C while it loads ends it like Ctrl-C later on."""
    try:
        from statusgen.cli import run
    except KeyboardInterrupt:
        sys.stderr.write("statusgen: interrupted\n")
        os._exit(130)
    run()


if __name__ == "__main__":
    main()
