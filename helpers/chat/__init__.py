"""O chat do curso: protocolo, servidor WebSocket, banco SQLite, a mesma sala por HTTP (polling) e o cliente em widget.

``python -m helpers.chat`` roda o servidor fora do notebook (modo sala de aula).
"""

from .protocol import MAX_SIZE, BadMessage, frame_label, origin_allowed, parse
from .server import ChatServer
from .store import SCHEMA, ChatStore
from .httpapi import ChatRoom, create_app, messages
from .widget import ChatClient, side_by_side

__all__ = [
    "BadMessage",
    "ChatClient",
    "ChatRoom",
    "ChatServer",
    "ChatStore",
    "MAX_SIZE",
    "SCHEMA",
    "create_app",
    "frame_label",
    "messages",
    "origin_allowed",
    "parse",
    "side_by_side",
]
