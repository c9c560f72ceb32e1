"""O tráfego gravado: o tap (relay TCP), os eventos que ele produz, os decodificadores de HTTP e WebSocket, o pcap.
"""

from .events import (
    C2S,
    S2C,
    Closed,
    Connected,
    Decoder,
    Event,
    HttpRequest,
    HttpResponse,
    Raw,
    hexdump,
    visible_text,
)
from .httpdecode import HttpDecoder, RawDecoder
from .wsdecode import WsDecoder, WsFrame, close_meaning
from .tap import Chunk, Tap
from .pcap import write_pcap

__all__ = [
    "C2S",
    "Chunk",
    "Closed",
    "Connected",
    "Decoder",
    "Event",
    "HttpDecoder",
    "HttpRequest",
    "HttpResponse",
    "Raw",
    "RawDecoder",
    "S2C",
    "Tap",
    "WsDecoder",
    "WsFrame",
    "close_meaning",
    "hexdump",
    "visible_text",
    "write_pcap",
]
