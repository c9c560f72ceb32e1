"""Corretores dos exercícios do notebook 04 (O Upgrade: handshake e frames).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch04.py``.
"""

from __future__ import annotations

import base64
import hashlib

from .grader import Hint, exercise, require_callable
from ..protocols.handshake import GUID, accept_key
from ..protocols.wsframes import Frame, FrameError, Opcode, decode_frame, encode_frame

__all__ = ["FRAMES_0403", "accept_key_exercise", "invalid_frames", "read_masked_frame"]

_KEYS = ["dGhlIHNhbXBsZSBub25jZQ==", "x3JJHMbDL1EzLkh9GBhXDw==", "AQIDBAUGBwgJCgsMDQ4PEA=="]


@exercise("04.1")
def accept_key_exercise(answer) -> None:
    """Uma função ``f(chave: str) -> str`` que calcula o ``Sec-WebSocket-Accept``."""
    require_callable(answer)
    for key in _KEYS:
        got = answer(key)
        if isinstance(got, bytes):
            raise Hint("A função deve devolver str; use .decode() no resultado do base64.")
        if not isinstance(got, str):
            raise Hint("A função deve devolver um texto (str), como 's3pPLM…='.")
        if got == accept_key(key):
            continue
        if len(got) == 40:
            raise Hint("Isso parece um hexdigest (40 caracteres hexadecimais). O aceite é o "
                       "resumo SHA-1 em *bytes* (digest), codificado em base64.")
        if got == base64.b64encode(hashlib.sha1(key.encode()).digest()).decode():
            raise Hint("Falta juntar o GUID fixo da RFC 6455 à chave antes do SHA-1.")
        if got == base64.b64encode(hashlib.sha1((GUID + key).encode()).digest()).decode():
            raise Hint("A ordem importa: primeiro a chave, depois o GUID.")
        if got == base64.b64encode(hashlib.sha256((key + GUID).encode()).digest()).decode():
            raise Hint("O resumo usado pela RFC 6455 é o SHA-1, não o SHA-256.")
        raise Hint("O resultado não bate com o vetor da RFC 6455 §1.3. Confira o GUID (copie-o "
                   "da RFC) e a sequência: chave + GUID → SHA-1 → base64.")


def _client_text(text: str, key: str) -> bytes:
    return encode_frame(Frame.text(text, mask=bytes.fromhex(key)))


_MASKED_SAMPLES = [
    ("Hello", "37fa213d"),
    ("Olá, turma!", "0badcafe"),
    ("WebSocket " * 20, "a1b2c3d4"),  # 200 bytes: comprimento em 16 bits
    ("", "01020304"),
]


@exercise("04.2")
def read_masked_frame(answer) -> None:
    """Uma função ``f(frame: bytes) -> str`` que lê um frame TEXT mascarado (de cliente)."""
    require_callable(answer)
    for text, key in _MASKED_SAMPLES:
        data = _client_text(text, key)
        try:
            got = answer(data)
        except (IndexError, UnicodeDecodeError, ValueError) as exc:
            if len(text.encode()) > 125:
                raise Hint("Com um payload de 200 bytes sua função falhou "
                           f"({type(exc).__name__}). Quando os 7 bits de tamanho valem 126, o "
                           "tamanho real está nos 2 bytes seguintes, e a chave vem depois deles.") from None
            raise Hint(f"Sua função levantou {type(exc).__name__}. Confira onde começa a chave "
                       "(depois dos 2 primeiros bytes) e onde começa o payload.") from None
        if isinstance(got, bytes):
            raise Hint("Devolva o texto (str): decodifique o payload como UTF-8.")
        if not isinstance(got, str):
            raise Hint("A função deve devolver um texto (str).")
        if got == text:
            continue
        payload = data[-len(text.encode()):] if text else b""
        if got.encode("latin-1", "replace") == payload or got == payload.decode("latin-1"):
            raise Hint("O payload ainda está mascarado: faça o XOR de cada byte com chave[i % 4].")
        if len(text.encode()) > 125:
            raise Hint("Com 200 bytes de payload, o campo de 7 bits vale 126: o tamanho real está "
                       "nos 2 bytes seguintes (big-endian), e só então vem a chave de 4 bytes.")
        if any(ord(c) > 127 for c in text):
            raise Hint("Quase: o texto tem acentos. Decodifique os bytes como UTF-8, não latin-1.")
        raise Hint("O texto não confere. Lembre: byte 2 = MASK + tamanho; depois a chave de 4 "
                   "bytes; depois o payload, desmascarado com XOR.")


#: Frames de cliente para servidor (hex) do exercício 04.3: quais são inválidos?
FRAMES_0403 = {
    "A": encode_frame(Frame.text("oi", mask=bytes.fromhex("11223344"))).hex(" "),
    "B": encode_frame(Frame.text("oi")).hex(" "),
    "C": encode_frame(Frame(Opcode.PING, b"?", fin=False, mask=bytes.fromhex("55667788")),
                      check=False).hex(" "),
    "D": encode_frame(Frame(Opcode.TEXT, b"Ol", fin=False, mask=bytes.fromhex("99aabbcc"))).hex(" "),
    "E": encode_frame(Frame(Opcode.CLOSE, (1005).to_bytes(2, "big"), mask=bytes.fromhex("0a0b0c0d")),
                      check=False).hex(" "),
    "F": encode_frame(Frame(Opcode.TEXT, b"oi", rsv=0b100, mask=bytes.fromhex("01020304")),
                      check=False).hex(" "),
    "G": encode_frame(Frame.binary(b"\xff\xfe\x00", mask=bytes.fromhex("deadbeef"))).hex(" "),
}

_TOPICS = {
    "B": "quem manda máscara (RFC 6455 §5.1)",
    "C": "os frames de controle (§5.5)",
    "E": "os códigos que podem ir num CLOSE (§7.4)",
    "F": "os bits reservados (§5.2)",
}


def _invalid_reference() -> set[str]:
    bad = set()
    for name, hexa in FRAMES_0403.items():
        try:
            decode_frame(bytes.fromhex(hexa), from_client=True)
        except FrameError:
            bad.add(name)
    return bad


@exercise("04.3")
def invalid_frames(answer) -> None:
    """O conjunto das letras dos frames inválidos em ``FRAMES_0403``."""
    if isinstance(answer, str):
        answer = {c for c in answer.upper() if c.isalpha()}
    if not isinstance(answer, (set, frozenset, list, tuple)):
        raise Hint('Responda com um conjunto de letras, por exemplo {"A", "C"}.')
    chosen = {str(x).strip().upper() for x in answer}
    unknown = chosen - set(FRAMES_0403)
    if unknown:
        raise Hint(f"Só existem os frames {', '.join(sorted(FRAMES_0403))}.")
    expected = _invalid_reference()
    if chosen - expected:
        raise Hint("Pelo menos um frame que você marcou é válido. Fragmentar uma mensagem é "
                   "permitido, e um frame binário pode levar quaisquer bytes.")
    missing = sorted(expected - chosen)
    if missing:
        raise Hint(f"Faltam {len(missing)} frame(s) inválido(s). Reveja {_TOPICS[missing[0]]}.")
