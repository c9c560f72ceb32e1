"""Capítulo 07: vários processos unidos por Redis, o API Gateway local e as quatro técnicas medidas lado a lado.
"""

from .broker import BrokerServer, ChatNode, RedisServer, RedisUnavailable, fanout_latencies
from .gateway import GoneException, LocalGateway, ManagementApi
from .techniques import (
    TECHNIQUES,
    TechniqueServer,
    create_server_app,
    parse_sse,
    percentile,
    run_all,
    sse_stream,
)

__all__ = [
    "BrokerServer",
    "ChatNode",
    "GoneException",
    "LocalGateway",
    "ManagementApi",
    "RedisServer",
    "RedisUnavailable",
    "TECHNIQUES",
    "TechniqueServer",
    "create_server_app",
    "fanout_latencies",
    "parse_sse",
    "percentile",
    "run_all",
    "sse_stream",
]
