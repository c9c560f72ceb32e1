"""O chat do curso: protocolo, servidor WebSocket, banco SQLite, a mesma sala por HTTP (polling) e o cliente em widget.

``python -m helpers.chat`` roda o servidor fora do notebook (modo sala de aula).
"""

from .protocol import MAX_SIZE, BadMessage, frame_label, origin_allowed, parse
from .server import ChatServer
from .store import SCHEMA, ChatStore
from .httpapi import ChatRoom, create_app, messages

import importlib

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


def __getattr__(name: str):
    """O widget (anywidget, ipywidgets) só é importado quando alguém o pede (PEP 562): o servidor
    num subprocesso (``python -m helpers.chat``, ``helpers.scale.techniques``) não paga por ele."""
    if name in ("ChatClient", "side_by_side"):
        value = getattr(importlib.import_module(".widget", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"helpers.chat não tem o nome {name!r}")
