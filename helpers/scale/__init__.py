"""Capítulo 07: vários processos unidos por Redis, o API Gateway local e as quatro técnicas medidas lado a lado.

Os nomes vêm de cada módulo na primeira vez que alguém os pede (PEP 562): o servidor de chat num
subprocesso (``python -m helpers.scale.broker``) não importa o aiohttp do gateway nem das técnicas.
"""

import importlib

_LAZY = {
    ".broker": ("BrokerServer", "ChatNode", "RedisServer", "RedisUnavailable", "fanout_latencies"),
    ".gateway": ("GoneException", "LocalGateway", "ManagementApi", "Unauthorized", "allow", "deny"),
    ".techniques": ("TECHNIQUES", "TechniqueServer", "create_server_app", "parse_sse", "percentile",
                    "run_all", "run_calm_room", "sse_stream", "summary"),
    ".tickets": ("ManualClock", "TicketBook", "TicketRefused"),
}
_LAZY_HOME = {name: module for module, names in _LAZY.items() for name in names}

__all__ = sorted(_LAZY_HOME, key=lambda n: (n.lower(), n))


def __getattr__(name: str):
    module = _LAZY_HOME.get(name)
    if module is None:
        raise AttributeError(f"helpers.scale não tem o nome {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
