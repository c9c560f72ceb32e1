"""``python -m helpers.execute``: atalho para ``helpers.tools.execute`` (o ``curso.py`` chama por este nome)."""

import sys

from .tools.execute import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
