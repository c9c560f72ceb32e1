"""``python -m helpers.dns``: ver ``helpers.dns.server.main``."""

import sys

from .server import main

sys.exit(main())
