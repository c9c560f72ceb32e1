"""``python -m helpers.spelling``: atalho para ``helpers.tools.spelling`` (o ``curso.py`` chama por este nome)."""

import sys

from .tools.spelling import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
