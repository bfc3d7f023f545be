"""``python -m klaster``: the command line (see :mod:`klaster.cli`)."""

import sys

from klaster.cli import main

if __name__ == "__main__":
    sys.exit(main())
