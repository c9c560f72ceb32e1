"""Frames WebSocket (RFC 6455, seção 5): codificar e decodificar, sem I/O.

Introduzido no notebook 04 (O Upgrade: handshake e frames); o tap (``helpers.traffic.wsdecode``) e o
dissecador de frames (``helpers.widgets.dissector``) usam estas funções.

Teoria de operação
------------------
Depois do handshake, cada mensagem viaja em um ou mais *frames*. O formato (RFC 6455 §5.2)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-------+-+-------------+-------------------------------+
    |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
    |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
    |N|V|V|V|       |S|             |   (if payload len==126/127)   |
    | |1|2|3|       |K|             |                               |
    +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
    |     Extended payload length continued, if payload len == 127  |
    + - - - - - - - - - - - - - - - +-------------------------------+
    |                               |Masking-key, if MASK set to 1  |
    +-------------------------------+-------------------------------+
    | Masking-key (continued)       |          Payload Data         |
    +-------------------------------- - - - - - - - - - - - - - - - +

Tudo aqui é função pura: bytes entram, ``Frame`` sai (e vice-versa). Nada lê de socket, nada
espera: um frame pela metade levanta ``IncompleteFrame`` dizendo quantos bytes faltam, e quem
tem o socket decide se espera mais. Entrada malformada levanta uma exceção da família
``FrameError``, com a mensagem em português dizendo o que está errado e ``close_code``, o código
com que o outro lado deveria fechar a conexão (§7.4.1).
"""

from __future__ import annotations

import enum
import secrets
import sys
from dataclasses import dataclass

__all__ = [
    "CLOSE_CODES",
    "CloseFrameError",
    "ControlFrameError",
    "FragmentationError",
    "Frame",
    "FrameError",
    "Header",
    "IncompleteFrame",
    "InvalidUtf8",
    "LengthError",
    "MaskError",
    "Message",
    "MessageAssembler",
    "MessageTooBig",
    "Opcode",
    "ReservedBitsError",
    "UnknownOpcode",
    "apply_mask",
    "close_payload",
    "decode_frame",
    "decode_frames",
    "decode_header",
    "encode_frame",
    "encode_length",
    "fragment",
    "new_mask",
    "parse_close",
]


class Opcode(enum.IntEnum):
    """Tipos de frame (RFC 6455 §5.2 e §11.8). 0x3–0x7 e 0xB–0xF são reservados."""

    CONT = 0x0  # continuação de uma mensagem fragmentada (§5.4)
    TEXT = 0x1  # texto UTF-8 (§5.6)
    BINARY = 0x2  # bytes quaisquer (§5.6)
    CLOSE = 0x8  # fechamento (§5.5.1)
    PING = 0x9  # "você está aí?" (§5.5.2)
    PONG = 0xA  # "estou" (§5.5.3)


CONTROL_OPCODES = frozenset({Opcode.CLOSE, Opcode.PING, Opcode.PONG})
MAX_CONTROL_PAYLOAD = 125  # §5.5

#: Códigos de fechamento (RFC 6455 §7.4.1 e registro da IANA): nome e significado.
CLOSE_CODES: dict[int, tuple[str, str]] = {
    1000: ("Normal Closure", "fechamento normal: a conversa terminou"),
    1001: ("Going Away", "indo embora: o servidor vai desligar ou a página foi fechada"),
    1002: ("Protocol Error", "erro de protocolo: o outro lado mandou um frame que viola a RFC"),
    1003: ("Unsupported Data", "tipo de dado não aceito (ex.: binário para quem só aceita texto)"),
    1005: ("No Status Received", "nenhum código veio no frame CLOSE (nunca vai na rede)"),
    1006: ("Abnormal Closure", "a conexão caiu sem frame CLOSE (nunca vai na rede)"),
    1007: ("Invalid Payload Data", "dados inconsistentes com o tipo (ex.: texto que não é UTF-8)"),
    1008: ("Policy Violation", "violação de política da aplicação (ex.: sem permissão)"),
    1009: ("Message Too Big", "mensagem grande demais para quem recebe"),
    1010: ("Mandatory Extension", "o cliente exigia uma extensão que o servidor não negociou"),
    1011: ("Internal Error", "erro interno: o servidor falhou ao tratar a mensagem"),
    1012: ("Service Restart", "o serviço está reiniciando"),
    1013: ("Try Again Later", "sobrecarga temporária: tente de novo mais tarde"),
    1014: ("Bad Gateway", "um gateway recebeu resposta inválida do servidor de trás"),
    1015: ("TLS Handshake", "falha no TLS (nunca vai na rede)"),
}

#: Códigos que podem aparecer num frame CLOSE (§7.4.1, §7.4.2): os outros são reservados.
SENDABLE_CLOSE_CODES = frozenset(set(CLOSE_CODES) - {1005, 1006, 1015})


# --- exceções ----------------------------------------------------------------------------------


class FrameError(ValueError):
    """Bytes que não formam um frame WebSocket válido (mensagem em português).

    ``close_code`` é o código com que quem recebeu deveria fechar a conexão (§7.4.1).
    """

    close_code = 1002


class IncompleteFrame(FrameError):
    """O frame ainda não chegou inteiro: faltam ``needed`` bytes (pelo menos)."""

    close_code = 1006

    def __init__(self, needed: int, have: int):
        self.needed, self.have = needed, have
        super().__init__(
            f"frame incompleto: chegaram {have} byte(s), faltam pelo menos {needed}"
        )


class ReservedBitsError(FrameError):
    """RSV1/RSV2/RSV3 ligados sem uma extensão negociada (§5.2)."""


class UnknownOpcode(FrameError):
    """Opcode reservado (0x3–0x7, 0xB–0xF) (§5.2)."""


class MaskError(FrameError):
    """Frame do cliente sem máscara, ou do servidor com máscara (§5.1, §5.3)."""


class ControlFrameError(FrameError):
    """Frame de controle com mais de 125 bytes ou fragmentado (§5.5)."""


class LengthError(FrameError):
    """Comprimento codificado fora da forma mínima, ou com o bit mais alto ligado (§5.2)."""


class InvalidUtf8(FrameError):
    """Texto (mensagem TEXT ou motivo do CLOSE) que não é UTF-8 válido (§5.6, §8.1)."""

    close_code = 1007


class CloseFrameError(FrameError):
    """Payload de CLOSE malformado ou com código proibido (§5.5.1, §7.4)."""


class FragmentationError(FrameError):
    """Sequência de fragmentos impossível (§5.4)."""


class MessageTooBig(FrameError):
    """Mensagem maior que o limite de quem recebe (§10.4)."""

    close_code = 1009


# --- peças: comprimento e máscara ---------------------------------------------------------------


def encode_length(n: int) -> bytes:
    """Os 7 bits de "Payload len" (sem o bit MASK) e o comprimento estendido (RFC 6455 §5.2).

    * 0–125: o próprio número, em 7 bits (1 byte no total);
    * 126–65 535: 126, e depois o número em 16 bits (3 bytes);
    * 65 536 em diante: 127, e depois o número em 64 bits (9 bytes).

    A forma é sempre a *mínima* (§5.2: "the minimal number of bytes MUST be used").
    """
    if n < 0 or n >= 1 << 63:
        raise LengthError(f"comprimento impossível: {n} (vai de 0 a 2⁶³ − 1)")
    if n <= 125:
        return bytes([n])
    if n <= 0xFFFF:
        return bytes([126]) + n.to_bytes(2, "big")
    return bytes([127]) + n.to_bytes(8, "big")


def apply_mask(data: bytes, key: bytes) -> bytes:
    """XOR de cada byte com a chave de 4 bytes, em rodízio (RFC 6455 §5.3).

    ``dado[i] XOR chave[i % 4]``. Aplicar duas vezes devolve o original: a mesma função
    mascara e desmascara. (Feita com inteiros grandes, como em ``websockets.utils``, para
    ser rápida; o notebook 04 mostra a versão byte a byte.)
    """
    if len(key) != 4:
        raise MaskError(f"a chave de máscara tem 4 bytes, não {len(key)}")
    if not data:
        return b""
    n = len(data)
    repeated = (bytes(key) * (n // 4 + 1))[:n]
    mixed = int.from_bytes(data, sys.byteorder) ^ int.from_bytes(repeated, sys.byteorder)
    return mixed.to_bytes(n, sys.byteorder)


def new_mask() -> bytes:
    """Uma chave de máscara nova e imprevisível, como a RFC pede a cada frame (§5.3)."""
    return secrets.token_bytes(4)


# --- o frame ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Um frame WebSocket, com o payload já *desmascarado*.

    ``rsv`` guarda os três bits reservados (0b100 = RSV1); ``mask`` é a chave de 4 bytes
    (``None``: frame sem máscara, como os do servidor). ``opcode`` é um ``int`` para que dê
    para montar frames inválidos de propósito (``encode_frame(..., check=False)``).
    """

    opcode: int
    payload: bytes = b""
    fin: bool = True
    rsv: int = 0
    mask: bytes | None = None

    # construtores de conveniência
    @classmethod
    def text(cls, text: str, *, mask: bytes | None = None, fin: bool = True) -> Frame:
        return cls(Opcode.TEXT, text.encode("utf-8"), fin=fin, mask=mask)

    @classmethod
    def binary(cls, data: bytes, *, mask: bytes | None = None, fin: bool = True) -> Frame:
        return cls(Opcode.BINARY, bytes(data), fin=fin, mask=mask)

    @classmethod
    def ping(cls, data: bytes = b"", *, mask: bytes | None = None) -> Frame:
        return cls(Opcode.PING, bytes(data), mask=mask)

    @classmethod
    def pong(cls, data: bytes = b"", *, mask: bytes | None = None) -> Frame:
        return cls(Opcode.PONG, bytes(data), mask=mask)

    @classmethod
    def close(cls, code: int | None = 1000, reason: str = "", *, mask: bytes | None = None) -> Frame:
        return cls(Opcode.CLOSE, close_payload(code, reason), mask=mask)

    # leitura
    @property
    def masked(self) -> bool:
        return self.mask is not None

    @property
    def is_control(self) -> bool:
        return self.opcode in CONTROL_OPCODES

    @property
    def opcode_name(self) -> str:
        try:
            return Opcode(self.opcode).name
        except ValueError:
            return f"0x{self.opcode:X}"

    @property
    def header_size(self) -> int:
        """Bytes do cabeçalho: 2, mais 2 ou 8 do comprimento estendido, mais 4 da máscara."""
        return 1 + len(encode_length(len(self.payload))) + (4 if self.masked else 0)

    @property
    def size(self) -> int:
        """Bytes na rede: cabeçalho + payload."""
        return self.header_size + len(self.payload)

    def as_text(self) -> str:
        """O payload como texto UTF-8 (levanta ``InvalidUtf8`` se não for)."""
        return _utf8(self.payload, "o payload")

    @property
    def close_code(self) -> int | None:
        return parse_close(self.payload)[0] if self.opcode == Opcode.CLOSE else None

    @property
    def close_reason(self) -> str:
        return parse_close(self.payload)[1] if self.opcode == Opcode.CLOSE else ""

    def check(self) -> None:
        """Confere as regras de um frame isolado (§5.2, §5.5, §5.5.1, §5.6)."""
        _check_first_byte(self.fin, self.rsv, self.opcode)
        if self.is_control:
            _check_control(self.fin, len(self.payload))
        if self.mask is not None and len(self.mask) != 4:
            raise MaskError(f"a chave de máscara tem 4 bytes, não {len(self.mask)}")
        if self.opcode == Opcode.TEXT and self.fin:
            _utf8(self.payload, "o texto")
        if self.opcode == Opcode.CLOSE:
            parse_close(self.payload)

    def __str__(self) -> str:
        parts = [self.opcode_name]
        if self.opcode == Opcode.CLOSE:
            try:
                code, reason = parse_close(self.payload)
                parts.append(f"{code}" + (f" {reason!r}" if reason else "") if code else "(sem código)")
            except FrameError:
                parts.append(self.payload.hex(" "))
        elif self.opcode in (Opcode.TEXT, Opcode.CONT, Opcode.PING, Opcode.PONG):
            parts.append(repr(self.payload.decode("utf-8", "replace")))
        else:
            parts.append(self.payload[:16].hex(" ") + ("…" if len(self.payload) > 16 else ""))
        flags = [f"{len(self.payload)} B", "FIN" if self.fin else "continua"]
        if self.masked:
            flags.append(f"máscara {self.mask.hex(' ')}")
        return f"{' '.join(parts)} ({', '.join(flags)})"


def _check_first_byte(fin: bool, rsv: int, opcode: int) -> None:
    if rsv:
        names = [n for bit, n in ((4, "RSV1"), (2, "RSV2"), (1, "RSV3")) if rsv & bit]
        raise ReservedBitsError(
            f"bit(s) reservado(s) {', '.join(names)} ligado(s) sem extensão negociada (RFC 6455 §5.2)"
        )
    if opcode not in Opcode._value2member_map_:
        raise UnknownOpcode(f"opcode 0x{opcode:X} é reservado: não existe frame desse tipo (RFC 6455 §5.2)")


def _check_control(fin: bool, length: int) -> None:
    if length > MAX_CONTROL_PAYLOAD:
        raise ControlFrameError(
            f"frame de controle com {length} bytes de payload: o máximo é 125 (RFC 6455 §5.5)"
        )
    if not fin:
        raise ControlFrameError("frame de controle fragmentado (FIN = 0): é proibido (RFC 6455 §5.5)")


def _utf8(data: bytes, what: str) -> str:
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidUtf8(
            f"{what} não é UTF-8 válido: byte 0x{data[exc.start]:02x} na posição {exc.start} "
            "(RFC 6455 §8.1)"
        ) from None


# --- CLOSE: código e motivo ---------------------------------------------------------------------


def _check_close_code(code: int) -> None:
    if code in SENDABLE_CLOSE_CODES or 3000 <= code <= 4999:
        return
    if code in CLOSE_CODES:
        raise CloseFrameError(
            f"o código {code} ({CLOSE_CODES[code][0]}) é só para uso interno: "
            "nunca vai num frame CLOSE (RFC 6455 §7.4.1)"
        )
    raise CloseFrameError(
        f"código de fechamento {code} inválido: use 1000–1003, 1007–1014 ou 3000–4999 (RFC 6455 §7.4)"
    )


def close_payload(code: int | None = 1000, reason: str = "") -> bytes:
    """O payload de um CLOSE: código em 16 bits + motivo em UTF-8 (RFC 6455 §5.5.1)."""
    if code is None:
        if reason:
            raise CloseFrameError("um motivo sem código não cabe num CLOSE (RFC 6455 §5.5.1)")
        return b""
    _check_close_code(code)
    data = code.to_bytes(2, "big") + reason.encode("utf-8")
    if len(data) > MAX_CONTROL_PAYLOAD:
        raise ControlFrameError(
            f"motivo longo demais: {len(data) - 2} bytes, o máximo é 123 (RFC 6455 §5.5)"
        )
    return data


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """(código, motivo) de um payload de CLOSE; vazio → ``(None, "")`` (RFC 6455 §5.5.1)."""
    if not payload:
        return None, ""
    if len(payload) == 1:
        raise CloseFrameError("CLOSE com 1 byte de payload: o código tem 2 bytes (RFC 6455 §5.5.1)")
    code = int.from_bytes(payload[:2], "big")
    _check_close_code(code)
    return code, _utf8(payload[2:], "o motivo do CLOSE")


# --- codificar ----------------------------------------------------------------------------------


def encode_frame(frame: Frame, *, check: bool = True) -> bytes:
    """Os bytes de ``frame`` na rede (RFC 6455 §5.2). Mascara o payload se houver chave.

    ``check=False`` deixa montar frames inválidos (para ver o outro lado recusá-los).
    """
    if check:
        frame.check()
    if not 0 <= frame.opcode <= 0xF or not 0 <= frame.rsv <= 0b111:
        raise FrameError("opcode vai de 0 a 15 e rsv de 0 a 7 (são 4 e 3 bits)")
    first = (0x80 if frame.fin else 0) | (frame.rsv << 4) | frame.opcode
    length = bytearray(encode_length(len(frame.payload)))
    if frame.mask is None:
        return bytes([first]) + bytes(length) + bytes(frame.payload)
    length[0] |= 0x80
    return bytes([first]) + bytes(length) + bytes(frame.mask) + apply_mask(frame.payload, frame.mask)


def fragment(opcode: int, payload: bytes, size: int, *, mask: bytes | None = None) -> list[Frame]:
    """Divide uma mensagem em frames de até ``size`` bytes (RFC 6455 §5.4).

    O primeiro frame leva o opcode (TEXT ou BINARY), os demais são CONT; só o último tem FIN.
    (A mesma chave de máscara em todos deixa a saída previsível; na vida real, uma por frame.)
    """
    if size < 1:
        raise ValueError("size deve ser pelo menos 1")
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
    last = len(pieces) - 1
    return [
        Frame(opcode if i == 0 else Opcode.CONT, bytes(p), fin=i == last, mask=mask)
        for i, p in enumerate(pieces)
    ]


# --- decodificar --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """O cabeçalho de um frame, lido sem o payload."""

    fin: bool
    rsv: int
    opcode: int
    mask: bytes | None
    length: int
    size: int  # bytes do cabeçalho

    @property
    def frame_size(self) -> int:
        return self.size + self.length


def decode_header(
    data: bytes,
    *,
    from_client: bool | None = None,
    check: bool = True,
    max_size: int | None = None,
    allow_rsv: int = 0,
) -> Header:
    """Lê o cabeçalho no início de ``data`` (RFC 6455 §5.2).

    ``from_client=True`` exige máscara (frames do cliente, §5.1), ``False`` a proíbe (frames
    do servidor), ``None`` aceita os dois. Cada regra é conferida assim que os bytes dela
    chegam: um RSV ligado é recusado com 1 byte, sem esperar o resto. ``allow_rsv`` diz que
    bits RSV uma extensão negociada usa (0b100 = RSV1, o da compressão permessage-deflate,
    RFC 7692). ``check=False`` só separa os campos. Cabeçalho incompleto levanta
    ``IncompleteFrame``.
    """
    have = len(data)
    if have < 1:
        raise IncompleteFrame(2, have)
    b0 = data[0]
    fin, rsv, opcode = bool(b0 & 0x80), (b0 >> 4) & 0b111, b0 & 0x0F
    if check:
        _check_first_byte(fin, rsv & ~allow_rsv, opcode)
    if have < 2:
        raise IncompleteFrame(1, have)
    b1 = data[1]
    masked, length, size = bool(b1 & 0x80), b1 & 0x7F, 2
    if check:
        if opcode in CONTROL_OPCODES and not fin:
            _check_control(fin, 0)
        if from_client is True and not masked:
            raise MaskError("frame do cliente sem máscara: todo frame cliente → servidor é mascarado (RFC 6455 §5.1)")
        if from_client is False and masked:
            raise MaskError("frame do servidor com máscara: servidor → cliente nunca mascara (RFC 6455 §5.1)")
    if length >= 126:
        extra = 2 if length == 126 else 8
        if have < size + extra:
            raise IncompleteFrame(size + extra - have, have)
        length = int.from_bytes(data[size : size + extra], "big")
        size += extra
        if check:
            if extra == 8 and length >> 63:
                raise LengthError("comprimento de 64 bits com o bit mais alto ligado (RFC 6455 §5.2)")
            minimal = 125 if extra == 2 else 0xFFFF
            if length <= minimal:
                raise LengthError(
                    f"comprimento {length} escrito em {extra * 8} bits: a forma mínima é obrigatória "
                    "(RFC 6455 §5.2)"
                )
    if check and opcode in CONTROL_OPCODES:
        _check_control(fin, length)
    if check and max_size is not None and length > max_size:
        raise MessageTooBig(f"frame de {length} bytes passa do limite de {max_size} bytes")
    key = None
    if masked:
        if have < size + 4:
            raise IncompleteFrame(size + 4 - have, have)
        key = bytes(data[size : size + 4])
        size += 4
    return Header(fin, rsv, opcode, key, length, size)


def decode_frame(
    data: bytes,
    *,
    from_client: bool | None = None,
    check: bool = True,
    max_size: int | None = None,
    allow_rsv: int = 0,
) -> tuple[Frame, int]:
    """Decodifica o frame no início de ``data``; devolve ``(frame, bytes usados)``.

    Os bytes que sobram são o começo do próximo frame. Um frame pela metade levanta
    ``IncompleteFrame``; um frame inválido, a ``FrameError`` que diz por quê. Num TEXT completo
    (FIN = 1) confere o UTF-8 (a não ser que esteja comprimido, com um bit de ``allow_rsv``);
    num CLOSE, o código e o motivo (§5.5.1, §8.1).
    """
    head = decode_header(
        data, from_client=from_client, check=check, max_size=max_size, allow_rsv=allow_rsv
    )
    end = head.frame_size
    if len(data) < end:
        raise IncompleteFrame(end - len(data), len(data))
    payload = bytes(data[head.size : end])
    if head.mask is not None:
        payload = apply_mask(payload, head.mask)
    opcode = Opcode(head.opcode) if head.opcode in Opcode._value2member_map_ else head.opcode
    frame = Frame(opcode, payload, head.fin, head.rsv, head.mask)
    if check:
        if frame.opcode == Opcode.TEXT and frame.fin and not frame.rsv & allow_rsv:
            _utf8(payload, "o texto")
        elif frame.opcode == Opcode.CLOSE:
            parse_close(payload)
    return frame, end


def decode_frames(data: bytes, **kwargs) -> list[Frame]:
    """Todos os frames de ``data``, que deve terminar exatamente no fim de um frame."""
    frames, offset, view = [], 0, memoryview(bytes(data))
    while offset < len(view):
        frame, used = decode_frame(view[offset:], **kwargs)
        frames.append(frame)
        offset += used
    return frames


# --- mensagens: juntando fragmentos --------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """Uma mensagem completa: um frame só, ou vários fragmentos juntados (§5.4)."""

    opcode: int
    payload: bytes
    frames: int = 1
    rsv: int = 0  # os bits RSV do primeiro frame (RSV1 = comprimida, RFC 7692)

    @property
    def text(self) -> str:
        return _utf8(self.payload, "o texto")


class MessageAssembler:
    """Junta fragmentos em mensagens e confere as regras da §5.4. Sem I/O.

    ``feed(frame)`` devolve a ``Message`` que ficou completa (um frame de controle é uma
    mensagem por si só, mesmo no meio de outra fragmentada) ou ``None`` se ainda falta algo.
    """

    def __init__(self, max_size: int | None = None):
        self.max_size = max_size
        self._opcode: int | None = None
        self._rsv = 0
        self._parts: list[bytes] = []
        self._size = 0

    @property
    def in_progress(self) -> bool:
        return self._opcode is not None

    @property
    def current_opcode(self) -> int | None:
        """O opcode (TEXT ou BINARY) da mensagem fragmentada em andamento, se houver."""
        return self._opcode

    @property
    def current_rsv(self) -> int:
        """Os bits RSV do primeiro frame da mensagem em andamento (RSV1 = comprimida)."""
        return self._rsv

    def reset(self) -> None:
        self._opcode, self._rsv, self._parts, self._size = None, 0, [], 0

    def feed(self, frame: Frame) -> Message | None:
        if frame.opcode in CONTROL_OPCODES:
            return Message(frame.opcode, frame.payload, rsv=frame.rsv)
        if frame.opcode == Opcode.CONT:
            if self._opcode is None:
                raise FragmentationError(
                    "frame de continuação (CONT) sem uma mensagem começada antes (RFC 6455 §5.4)"
                )
        elif self._opcode is not None:
            raise FragmentationError(
                f"novo frame {Opcode(frame.opcode).name} no meio de uma mensagem fragmentada: "
                "faltou terminar a anterior com FIN (RFC 6455 §5.4)"
            )
        else:
            self._opcode, self._rsv = frame.opcode, frame.rsv
        self._parts.append(frame.payload)
        self._size += len(frame.payload)
        if self.max_size is not None and self._size > self.max_size:
            self.reset()
            raise MessageTooBig(f"mensagem passa do limite de {self.max_size} bytes")
        if not frame.fin:
            return None
        opcode, rsv, payload, count = self._opcode, self._rsv, b"".join(self._parts), len(self._parts)
        self.reset()
        if opcode == Opcode.TEXT and not rsv:  # comprimida: quem descomprime confere o UTF-8
            _utf8(payload, "o texto")
        return Message(opcode, payload, count, rsv)
