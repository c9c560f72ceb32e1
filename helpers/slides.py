"""``python -m helpers.slides``: atalho para ``helpers.tools.slides`` (o ``curso.py`` chama por este nome)."""

import sys

from .tools.slides import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
