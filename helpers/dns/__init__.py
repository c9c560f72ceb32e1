"""O DNS do capítulo 02: o servidor UDP da zona ``curso.test.`` e o resolvedor com cache.

A parte sem rede (zona, resposta, dissecação) mora em ``helpers.protocols.dns`` e é reexportada
aqui, para o notebook importar tudo de um lugar. ``python -m helpers.dns --port 5353`` roda o
servidor fora do notebook, para o ``dig``.
"""

from ..protocols.dns import ZONE, ZONE_TEXT, answer, format_dissection
from .cache import CachingResolver
from .server import DnsServer, exchange

__all__ = [
    "CachingResolver",
    "DnsServer",
    "ZONE",
    "ZONE_TEXT",
    "answer",
    "exchange",
    "format_dissection",
]
