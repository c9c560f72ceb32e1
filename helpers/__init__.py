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

import importlib

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
# O resto vem na primeira vez que alguém pede um destes nomes (PEP 562, ``__getattr__`` abaixo):
# assim um servidor do curso num subprocesso (``python -m helpers.scale.broker``) não paga a
# importação de ipywidgets, anywidget e aiohttp que ele não usa (≈ 0,5 s de CPU a cada partida).
_LAZY = {
    ".exercises": ("Feedback", "Hint", "check", "check_async", "exercise"),
    ".traffic": ("C2S", "S2C", "Chunk", "Closed", "Connected", "Event", "HttpDecoder", "HttpRequest",
                 "HttpResponse", "Raw", "RawDecoder", "Tap", "hexdump"),
    ".widgets": ("SequenceDiagram", "render_svg"),
}
_LAZY_HOME = {name: module for module, names in _LAZY.items() for name in names}

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


def __getattr__(name: str):
    module = _LAZY_HOME.get(name)
    if module is None:
        raise AttributeError(f"helpers não tem o nome {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # da segunda vez em diante, nem passa por aqui
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
