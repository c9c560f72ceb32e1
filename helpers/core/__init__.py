"""O chão de tudo: o registro do que o notebook inicia, links para portas do kernel, a conferência do ambiente.
"""

from .lifecycle import (
    HttpServer,
    PortInUse,
    Process,
    Registry,
    Task,
    TcpServer,
    WebSocketServer,
    open_fds,
    registry,
)
from .links import Link, url_for_port
from .envcheck import check_environment

__all__ = [
    "HttpServer",
    "Link",
    "PortInUse",
    "Process",
    "Registry",
    "Task",
    "TcpServer",
    "WebSocketServer",
    "check_environment",
    "open_fds",
    "registry",
    "url_for_port",
]
