"""Ferramentas do curso de comunicação em tempo real na web.

Um subpacote por camada (de baixo para cima; cada um só importa os de cima desta lista):

* ``core``: o registro do que o notebook inicia, links para portas do kernel, o ambiente;
* ``protocols``: frames e handshake do WebSocket, à mão e puros;
* ``traffic``: o tap (relay que grava o tráfego), seus eventos e decodificadores, o pcap;
* ``widgets``: diagrama de sequência, dissecador, cascata, calculadora, guia, gráficos;
* ``dns``, ``chat``: os servidores dos capítulos 02 e 05 (``python -m helpers.dns``/``helpers.chat``);
* ``experiments``: o que os capítulos 03 e 06 medem e atacam;
* ``scale``: o capítulo 07 (Redis, API Gateway, as quatro técnicas);
* ``exercises``: o corretor (``check``) e um módulo por capítulo;
* ``tools``: execução, exportação, slides, ortografia e benchmark (só para quem mantém o curso).

Os nomes mais usados pelos notebooks vêm daqui mesmo: ``from helpers import registry, Tap``.
"""

from .core import (
    HttpServer,
    Link,
    PortInUse,
    Process,
    Registry,
    Task,
    TcpServer,
    WebSocketServer,
    open_fds,
    registry,
    url_for_port,
)
from .exercises import Feedback, Hint, check, check_async, exercise
from .traffic import (
    C2S,
    S2C,
    Chunk,
    Closed,
    Connected,
    Event,
    HttpDecoder,
    HttpRequest,
    HttpResponse,
    Raw,
    RawDecoder,
    Tap,
    hexdump,
)
from .widgets import SequenceDiagram, render_svg

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
