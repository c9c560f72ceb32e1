"""Soluções de referência dos exercícios do notebook 05 (testadas em tests/test_exercises.py)."""

from urllib.parse import urlsplit

from websockets.asyncio.server import broadcast


async def repassar(ws, conectados):
    conectados.add(ws)
    try:
        async for mensagem in ws:
            broadcast(conectados - {ws}, mensagem)
    finally:
        conectados.discard(ws)


def origem_permitida(origin, host):
    if origin is None:
        return True
    return urlsplit(origin).netloc == host


def como_texto(texto):
    return texto.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SOLUTIONS = {"05.1": repassar, "05.2": origem_permitida, "05.3": como_texto}
