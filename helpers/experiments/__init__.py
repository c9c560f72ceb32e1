"""O que os capítulos 03 e 06 medem e atacam: clientes de polling, conexões fantasmas, reconexão, ataques e defesas, memória por conexão.
"""

from .polling import (DeliveryLog, PollTraffic, RequestCounter, SimClock, VirtualClock, median,
                      poll_label, round_trips, wait_until, within)
from .ghosts import Blackhole, count_over_time
from .reconnect import Feed, ResumingClient, backoff, peak
from .hardening import ATTACKS, CHAT_PROBES, NAIVE, as_text, guarded_server, hardened, mural, self_signed

__all__ = [
    "ATTACKS",
    "CHAT_PROBES",
    "Blackhole",
    "DeliveryLog",
    "Feed",
    "NAIVE",
    "PollTraffic",
    "RequestCounter",
    "ResumingClient",
    "SimClock",
    "VirtualClock",
    "as_text",
    "backoff",
    "count_over_time",
    "guarded_server",
    "hardened",
    "median",
    "peak",
    "mural",
    "poll_label",
    "round_trips",
    "self_signed",
    "wait_until",
    "within",
]
