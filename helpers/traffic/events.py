"""Eventos de tráfego: o que o tap vê passar, já com nome.

Introduzido no notebook 01. Pequenas classes imutáveis, no espírito de ``h11._events``: cada
decodificador (HTTP aqui; frames WebSocket no capítulo 04; DNS no 02) transforma bytes em
eventos destes tipos, e os widgets só desenham eventos.

Direções: ``C2S`` (cliente → servidor) e ``S2C`` (servidor → cliente).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "C2S",
    "S2C",
    "Closed",
    "Connected",
    "Event",
    "HttpRequest",
    "HttpResponse",
    "Raw",
    "hexdump",
    "visible_text",
]

C2S = "c2s"
S2C = "s2c"


@dataclass(frozen=True)
class Event:
    """Algo que aconteceu numa conexão ``conn`` no instante ``t`` (``time.monotonic()``)."""

    conn: int
    direction: str
    t: float
    data: bytes = b""
    kind: ClassVar[str] = "event"

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def summary(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Connected(Event):
    """O cliente abriu uma conexão TCP (o tap aceitou e conectou ao servidor)."""

    kind: ClassVar[str] = "connected"

    @property
    def summary(self) -> str:
        return f"conexão TCP #{self.conn} aberta"


@dataclass(frozen=True)
class Closed(Event):
    """A conexão TCP terminou; ``direction`` diz quem fechou primeiro."""

    kind: ClassVar[str] = "closed"

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

    @property
    def summary(self) -> str:
        return f"{self.status} {self.reason} · {self.size} B".replace("  ", " ")


@dataclass(frozen=True)
class Raw(Event):
    """Bytes que nenhum decodificador entendeu; ``note`` diz por quê."""

    note: str = ""
    kind: ClassVar[str] = "raw"

    @property
    def summary(self) -> str:
        return f"bytes crus · {self.size} B"


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
