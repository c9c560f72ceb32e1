"""O DNS do capítulo 02: o servidor autoritativo da zona ``curso.test.`` e o resolvedor com cache.

``python -m helpers.dns --port 5353`` roda o servidor fora do notebook, para o ``dig``.
"""

from .server import ZONE, ZONE_TEXT, DnsServer, answer, exchange, format_dissection
from .cache import CachingResolver

__all__ = [
    "CachingResolver",
    "DnsServer",
    "ZONE",
    "ZONE_TEXT",
    "answer",
    "exchange",
    "format_dissection",
]
