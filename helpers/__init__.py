"""Ferramentas do curso de comunicação em tempo real na web.

Cada módulo é um conceito (ver o docstring de cada um, que diz em que notebook ele aparece):

* ``lifecycle``: o registro do que o notebook inicia (servidores, tarefas, processos);
* ``events``, ``httpdecode``, ``tap``: o relay que grava o tráfego e o transforma em eventos;
* ``diagram``: o diagrama de sequência ao vivo;
* ``links``: URLs para portas do kernel (local ou via jupyter-server-proxy);
* ``exercises``: o corretor de exercícios.
"""

from .diagram import SequenceDiagram, render_svg
from .events import C2S, S2C, Closed, Connected, Event, HttpRequest, HttpResponse, Raw, hexdump
from .exercises import Feedback, Hint, check, check_async, exercise
from .httpdecode import HttpDecoder, RawDecoder
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
from .tap import Chunk, Tap

__all__ = [
    "C2S",
    "S2C",
    "Chunk",
    "Closed",
    "Connected",
    "Event",
    "Feedback",
    "Hint",
    "HttpDecoder",
    "HttpRequest",
    "HttpResponse",
    "HttpServer",
    "Link",
    "PortInUse",
    "Process",
    "Raw",
    "RawDecoder",
    "Registry",
    "SequenceDiagram",
    "Tap",
    "Task",
    "TcpServer",
    "WebSocketServer",
    "check",
    "check_async",
    "exercise",
    "hexdump",
    "open_fds",
    "registry",
    "render_svg",
    "url_for_port",
]
