"""``python -m helpers.bench``: atalho para ``helpers.tools.bench`` (o ``curso.py`` chama por este nome)."""

import sys

from .tools.bench import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
