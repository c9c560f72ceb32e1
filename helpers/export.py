"""``python -m helpers.export``: atalho para ``helpers.tools.export`` (o ``curso.py`` chama por este nome)."""

import sys

from .tools.export import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
