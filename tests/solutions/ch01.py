"""Soluções de referência dos exercícios do notebook 01 (testadas em tests/test_exercises.py)."""

from aiohttp import web

resposta_011 = b"GET /hora HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def tamanho_do_envelope(resposta: bytes) -> int:
    return resposta.index(b"\r\n\r\n") + 4


async def eco(request: web.Request) -> web.Response:
    return web.Response(text=request.headers.get("User-Agent", ""))


SOLUTIONS = {"01.1": resposta_011, "01.2": tamanho_do_envelope, "01.3": eco}
