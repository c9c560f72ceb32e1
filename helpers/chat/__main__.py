"""``python -m helpers.chat``: ver ``helpers.chat.server.main``."""

import sys

from .server import main

sys.exit(main())
