"""Decodificador de frames WebSocket do tap: bytes das duas direções entram, eventos saem.

Introduzido no notebook 04; os capítulos seguintes o usam para ver o "túnel" no diagrama::

    Tap(servidor.port, decoder=lambda conn: HttpDecoder(conn, upgrade=WsDecoder))

O ``HttpDecoder`` lê o handshake (``GET`` com ``Upgrade: websocket`` e a resposta ``101``) e,
depois do ``101``, entrega o resto dos bytes das duas direções a um ``WsDecoder``. Este junta
pedaços até ter um frame inteiro (um frame pode chegar partido em vários pedaços, e um pedaço
pode trazer vários frames), usa o codec puro de ``helpers.protocols.wsframes`` e devolve um ``WsFrame``
por frame, com o payload já desmascarado para mostrar.

Bytes que não formam um frame válido viram ``Raw`` com a explicação em ``note``; o
decodificador nunca levanta exceção para quem o alimenta.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import ClassVar

from .events import C2S, S2C, Event, Raw
from ..protocols.wsframes import (
    CLOSE_CODES,
    Frame,
    FrameError,
    IncompleteFrame,
    MessageTooBig,
    MessageAssembler,
    Opcode,
    ReservedBitsError,
    decode_frame,
    decode_header,
    parse_close,
)

__all__ = ["WsDecoder", "WsFrame", "close_meaning"]

log = logging.getLogger("curso.tap")

FRAME_LIMIT = 1 << 20  # frames maiores que 1 MiB passam intactos, mas o tap não os guarda


def _preview_text(data: bytes, limit: int = 24) -> str:
    text = data.decode("utf-8", "replace")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return '"' + text.replace("\n", "⏎") + '"'


def _preview_bytes(data: bytes, limit: int = 6) -> str:
    shown = data[:limit].hex(" ")
    return (shown + (" …" if len(data) > limit else "")) if data else "vazio"


@dataclass(frozen=True)
class WsFrame(Event):
    """Um frame WebSocket visto pelo tap. ``data`` são os bytes exatos da rede (mascarados,
    se vieram do cliente); ``payload`` é o payload do frame já desmascarado.

    No frame que completa uma mensagem fragmentada ou comprimida, ``message`` traz a mensagem
    inteira (juntada e descomprimida) e ``message_opcode`` diz se ela é TEXT ou BINARY.
    """

    opcode: int = 0
    fin: bool = True
    rsv: int = 0
    mask: bytes = b""
    payload: bytes = b""
    message: bytes | None = None
    message_opcode: int | None = None
    compressed: bool = False
    kind: ClassVar[str] = "ws-frame"

    @property
    def opcode_name(self) -> str:
        return Frame(self.opcode).opcode_name

    @property
    def masked(self) -> bool:
        return bool(self.mask)

    @property
    def header_size(self) -> int:
        return self.size - len(self.payload)

    @property
    def is_control(self) -> bool:
        return Frame(self.opcode).is_control

    @property
    def content(self) -> bytes:
        """O que a aplicação recebe: a mensagem inteira, se este frame a completa; senão o payload."""
        return self.message if self.message is not None else self.payload

    @property
    def close_code(self) -> int | None:
        return self.as_frame().close_code

    @property
    def close_reason(self) -> str:
        return self.as_frame().close_reason

    def as_frame(self) -> Frame:
        return Frame(self.opcode, self.payload, self.fin, self.rsv, self.mask or None)

    @property
    def summary(self) -> str:
        name = self.opcode_name
        kind = self.message_opcode if self.message_opcode is not None else self.opcode
        if self.opcode == Opcode.CLOSE:
            try:
                code, reason = parse_close(self.payload)
            except FrameError:
                code, reason = None, ""
            detail = "sem código" if code is None else str(code)
            if reason:
                detail += " " + _preview_text(reason.encode(), 20)
        elif not self.fin:
            detail = "(continua)" if self.compressed else (
                _preview_bytes(self.payload) if kind == Opcode.BINARY else _preview_text(self.payload))
            if not detail.startswith("("):
                detail += " (continua)"
        elif self.message is None and self.compressed:
            detail = "(não deu para descomprimir)"
        elif kind == Opcode.BINARY:
            detail = _preview_bytes(self.content)
        else:
            detail = _preview_text(self.content)
        if self.fin and self.opcode == Opcode.CONT:
            detail = "fim: " + detail
        if self.compressed and self.fin:
            detail += " (comprimido)"
        return f"{name} {detail} · {self.size} B"


class _Side:
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.start: float | None = None
        self.skip = 0  # bytes de um frame grande demais que ainda vão passar
        self.assembler = MessageAssembler()
        self.inflater = zlib.decompressobj(-15)
        self.eof = False


class WsDecoder:
    """Transforma os bytes de uma conexão WebSocket (depois do handshake) em ``WsFrame``.

    ``deflate=True`` (o padrão) aceita frames comprimidos com permessage-deflate (RFC 7692: o
    bit RSV1 marca a mensagem comprimida), que o ``websockets`` e os navegadores negociam
    sozinhos, e os descomprime para mostrar.
    """

    def __init__(self, conn: int, limit: int = FRAME_LIMIT, deflate: bool = True):
        self.conn, self.limit = conn, limit
        self.allow_rsv = 0b100 if deflate else 0
        self.sides = {direction: _Side() for direction in (C2S, S2C)}

    def recover(self, direction: str, data: bytes) -> bytes:
        """Depois de um erro interno (ver ``events.safe_feed``): devolve e esquece o que estava guardado."""
        side = self.sides[direction]
        blob = bytes(side.buffer)
        side.buffer.clear()
        side.start = None
        return blob

    def feed(self, direction: str, data: bytes, t: float) -> list[Event]:
        side = self.sides[direction]
        out: list[Event] = []
        if side.eof:
            return [Raw(self.conn, direction, t, bytes(data), note="depois do fim da conexão")] if data else []
        if not data:
            side.eof = True
            if side.buffer:
                out.append(Raw(self.conn, direction, side.start or t, bytes(side.buffer),
                               note="frame incompleto: a conexão terminou no meio dele"))
                side.buffer.clear()
            return out
        if side.skip:
            used = min(side.skip, len(data))
            side.skip -= used
            data = data[used:]
        if not data:
            return out
        if not side.buffer:
            side.start = t
        side.buffer += data
        while side.buffer:
            event = self._next(direction, side, t)
            if event is None:
                break
            out.append(event)
            side.start = t if side.buffer else None
        return out

    def _next(self, direction: str, side: _Side, t: float) -> Event | None:
        """O próximo evento do buffer, ou ``None`` se ainda faltam bytes."""
        buf = side.buffer
        start = side.start if side.start is not None else t
        try:
            frame, used = decode_frame(buf, from_client=direction == C2S, max_size=self.limit,
                                       allow_rsv=self.allow_rsv)
        except IncompleteFrame:
            return None
        except MessageTooBig:
            return self._invalid(direction, side, start, "frame grande demais para o tap guardar")
        except FrameError as exc:
            return self._invalid(direction, side, start, str(exc))
        raw = bytes(buf[:used])
        del buf[:used]
        compressed = bool(frame.rsv & 0b100)
        try:
            if compressed and (frame.is_control or frame.opcode == Opcode.CONT):
                raise ReservedBitsError(
                    "RSV1 (compressão) só pode vir no primeiro frame de uma mensagem de dados (RFC 7692 §6)")
            message = side.assembler.feed(frame)
            message_opcode = side.assembler.current_opcode
            whole = None
            if message is not None and not frame.is_control:
                message_opcode = message.opcode
                compressed = bool(message.rsv & 0b100)
                if compressed:
                    whole = self._inflate(side, message.payload)
                    if message.opcode == Opcode.TEXT:
                        whole.decode("utf-8")
                elif message.frames > 1:
                    whole = message.payload
            elif side.assembler.in_progress:
                compressed = bool(side.assembler.current_rsv & 0b100)
        except (FrameError, zlib.error, UnicodeDecodeError) as exc:
            side.assembler.reset()
            why = str(exc)
            if isinstance(exc, zlib.error):
                side.inflater = zlib.decompressobj(-15)
                why = f"não consegui descomprimir (permessage-deflate): {exc}"
            elif isinstance(exc, UnicodeDecodeError):
                why = "o texto descomprimido não é UTF-8 válido (RFC 6455 §8.1)"
            return Raw(self.conn, direction, start, raw, note=why)
        if frame.is_control:
            message_opcode = None
        return WsFrame(
            self.conn, direction, start, raw,
            opcode=frame.opcode, fin=frame.fin, rsv=frame.rsv, mask=frame.mask or b"",
            payload=frame.payload, message=whole, message_opcode=message_opcode,
            compressed=compressed,
        )

    def _inflate(self, side: _Side, data: bytes) -> bytes:
        """Descomprime uma mensagem permessage-deflate (RFC 7692 §7.2.2)."""
        out = side.inflater.decompress(data + b"\x00\x00\xff\xff", self.limit)
        if side.inflater.unconsumed_tail:
            side.inflater = zlib.decompressobj(-15)
            raise zlib.error(f"mensagem descomprimida passa de {self.limit} bytes")
        return out

    def _invalid(self, direction: str, side: _Side, start: float, why: str) -> Event | None:
        """Um frame que viola a RFC: se dá para saber onde ele acaba, vira ``Raw`` e seguimos."""
        buf = side.buffer
        try:
            head = decode_header(buf, check=False)
        except IncompleteFrame:
            return None
        if head.frame_size > self.limit:
            taken = bytes(buf[: head.frame_size])
            side.skip = head.frame_size - len(taken)
            del buf[: len(taken)]
            return Raw(self.conn, direction, start, taken[: head.size],
                       note=f"{why} (frame de {head.length} bytes; os bytes passaram intactos)")
        if len(buf) < head.frame_size:
            return None
        raw = bytes(buf[: head.frame_size])
        del buf[: head.frame_size]
        return Raw(self.conn, direction, start, raw, note=why)


def close_meaning(code: int | None) -> str:
    """O significado de um código de fechamento, em português."""
    if code is None:
        return "sem código"
    if code in CLOSE_CODES:
        return CLOSE_CODES[code][1]
    return "código da aplicação" if 3000 <= code <= 4999 else "código desconhecido"
