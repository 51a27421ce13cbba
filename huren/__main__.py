"""``python -m huren``: the same as the ``huren`` command."""

import sys

from huren.cli import main

sys.exit(main())
