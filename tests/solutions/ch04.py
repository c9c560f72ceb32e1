"""Soluções de referência dos exercícios do notebook 04 (testadas em tests/test_exercises.py)."""

import base64
import hashlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def aceite(chave: str) -> str:
    return base64.b64encode(hashlib.sha1((chave + GUID).encode()).digest()).decode()


def ler_frame(frame: bytes) -> str:
    tamanho = frame[1] & 0x7F
    inicio = 2
    if tamanho == 126:
        tamanho, inicio = int.from_bytes(frame[2:4], "big"), 4
    elif tamanho == 127:
        tamanho, inicio = int.from_bytes(frame[2:10], "big"), 10
    chave = frame[inicio : inicio + 4]
    payload = frame[inicio + 4 : inicio + 4 + tamanho]
    return bytes(b ^ chave[i % 4] for i, b in enumerate(payload)).decode("utf-8")


invalidos_0403 = {"B", "C", "E", "F"}

SOLUTIONS = {"04.1": aceite, "04.2": ler_frame, "04.3": invalidos_0403}
