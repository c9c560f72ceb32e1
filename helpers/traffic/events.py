"""Eventos de tráfego: o que o tap vê passar, já com nome, e a interface de quem os produz.

Introduzido no notebook 01. Pequenas classes imutáveis, no espírito de ``h11._events``: cada
decodificador (``Decoder``: HTTP em ``httpdecode``; frames WebSocket no capítulo 04; DNS no 02)
transforma bytes em eventos destes tipos, e os widgets só desenham eventos.

Cada evento diz como quer ser desenhado, para que o diagrama não precise conhecer os tipos:
``summary`` (o rótulo), ``is_error`` (seta vermelha), ``arrow`` (``"msg"``, ``"tcp"`` para abrir
e fechar conexão, ``"raw"`` para bytes não decodificados) e ``reply_to`` (a requisição que uma
resposta responde, que o decodificador HTTP preenche: assim o diagrama vê quanto tempo uma
requisição ficou segurada, no long polling).

Direções: ``C2S`` (cliente → servidor) e ``S2C`` (servidor → cliente).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

__all__ = [
    "C2S",
    "S2C",
    "Closed",
    "Connected",
    "Decoder",
    "Event",
    "HttpRequest",
    "HttpResponse",
    "Raw",
    "hexdump",
    "safe_feed",
    "visible_text",
]

C2S = "c2s"
S2C = "s2c"

log = logging.getLogger("curso.tap")


@dataclass(frozen=True)
class Event:
    """Algo que aconteceu numa conexão ``conn`` no instante ``t`` (``time.monotonic()``)."""

    conn: int
    direction: str
    t: float
    data: bytes = b""
    reply_to: Event | None = field(default=None, compare=False, repr=False, kw_only=True)
    kind: ClassVar[str] = "event"
    arrow: ClassVar[str] = "msg"

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def summary(self) -> str:
        return self.kind

    @property
    def is_error(self) -> bool:
        return False

    @property
    def ended(self) -> float:
        """O instante em que o último byte deste evento passou."""
        return self.t


@dataclass(frozen=True)
class Connected(Event):
    """O cliente abriu uma conexão TCP (o tap aceitou e conectou ao servidor)."""

    kind: ClassVar[str] = "connected"
    arrow: ClassVar[str] = "tcp"

    @property
    def summary(self) -> str:
        return f"conexão TCP #{self.conn} aberta"


@dataclass(frozen=True)
class Closed(Event):
    """A conexão TCP terminou; ``direction`` diz quem fechou primeiro."""

    kind: ClassVar[str] = "closed"
    arrow: ClassVar[str] = "tcp"

    @property
    def summary(self) -> str:
        return f"conexão TCP #{self.conn} fechada"


@dataclass(frozen=True)
class HttpRequest(Event):
    """Uma requisição HTTP/1.x completa: linha de requisição, headers e corpo."""

    method: str = ""
    target: str = ""
    http_version: str = "1.1"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    t_end: float = 0.0
    kind: ClassVar[str] = "http-request"

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), default)

    @property
    def head_size(self) -> int:
        """Bytes da linha de requisição + headers + linha em branco (tudo menos o corpo)."""
        return self.size - len(self.body) if self.size >= len(self.body) else self.size

    @property
    def ended(self) -> float:
        return self.t_end or self.t

    @property
    def summary(self) -> str:
        return f"{self.method} {self.target}"


@dataclass(frozen=True)
class HttpResponse(Event):
    """Uma resposta HTTP/1.x completa (ou a 101 que troca de protocolo)."""

    status: int = 0
    reason: str = ""
    http_version: str = "1.1"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    t_end: float = 0.0
    kind: ClassVar[str] = "http-response"

    header = HttpRequest.header
    head_size = HttpRequest.head_size
    ended = HttpRequest.ended

    @property
    def summary(self) -> str:
        return f"{self.status} {self.reason} · {self.size} B".replace("  ", " ")

    @property
    def is_error(self) -> bool:
        return self.status >= 400


@dataclass(frozen=True)
class Raw(Event):
    """Bytes que nenhum decodificador entendeu; ``note`` diz por quê."""

    note: str = ""
    kind: ClassVar[str] = "raw"
    arrow: ClassVar[str] = "raw"

    @property
    def summary(self) -> str:
        return f"bytes crus · {self.size} B"


class Decoder(Protocol):
    """Interface dos decodificadores do tap: um por conexão.

    ``feed(direction, data, t)`` recebe os bytes que passaram (``b""`` = fim da direção) e
    devolve a lista de eventos que ficaram completos.
    """

    def feed(self, direction: str, data: bytes, t: float) -> list[Event]: ...


def safe_feed(decoder: Decoder, conn: int, direction: str, data: bytes, t: float) -> list[Event]:
    """A rede de segurança de todo decodificador: um erro dele vira um evento ``Raw``, nunca
    uma exceção para o relay (que continua repassando os bytes como se nada tivesse acontecido).

    Se o decodificador tiver ``recover(direction, data)``, ele se marca como quebrado naquela
    direção e devolve os bytes que estava guardando, para aparecerem no ``Raw``.
    """
    try:
        return decoder.feed(direction, data, t)
    except Exception as exc:
        log.exception("decoder failed")
        recover = getattr(decoder, "recover", None)
        blob = recover(direction, data) if recover is not None else bytes(data)
        return [Raw(conn, direction, t, blob, note=f"erro interno do decodificador: {exc}")] if blob else []


def hexdump(data: bytes, limit: int = 4096) -> str:
    """Hex + texto, 16 bytes por linha, como ``xxd`` (corta em ``limit`` bytes)."""
    lines = []
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off : off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<47}  {text}")
    if len(data) > limit:
        lines.append(f"… mais {len(data) - limit} bytes")
    return "\n".join(lines)


def visible_text(data: bytes, limit: int = 4096) -> str:
    """Texto com os finais de linha à mostra, escritos como em Python: ``\\r`` e ``\\n``.

    (Símbolos como ␍␊ não existem em muitas fontes monoespaçadas; ``\\r\\n`` aparece em todas.)
    """
    text = data[:limit].decode("utf-8", "replace")
    text = text.replace("\r", "\\r").replace("\n", "\\n\n")
    if len(data) > limit:
        text += f"\n… mais {len(data) - limit} bytes"
    return text
