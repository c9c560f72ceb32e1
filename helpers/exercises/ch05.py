"""Corretores dos exercícios do notebook 05 (Chat ao vivo).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch05.py``.

* **05.1** (assíncrono, usa a rede em 127.0.0.1): um handler ``websockets`` que repassa cada
  mensagem aos *outros* conectados, registrando e removendo a conexão.
* **05.2**: a regra do ``Origin`` (mesma origem, ou sem ``Origin``).
* **05.3**: escapar texto para HTML, para uma mensagem aparecer como texto e nunca rodar.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import logging

from ..chat.protocol import origin_allowed
from .grader import Hint, exercise, require_callable
from ..core.lifecycle import WebSocketServer

__all__ = ["ORIGIN_CASES", "XSS_SAMPLES", "escape_for_html", "relay_handler", "same_origin_rule"]

_quiet = logging.getLogger("curso.ch05.exercicios")
_quiet.propagate = False
_quiet.addHandler(logging.NullHandler())

WAIT = 0.5  # segundos de espera por cada coisa que deveria acontecer


async def _eventually(predicate, timeout: float = WAIT) -> bool:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return predicate()


async def _recv(ws, timeout: float = WAIT):
    try:
        return await asyncio.wait_for(ws.recv(), timeout)
    except (asyncio.TimeoutError, Exception):
        return None


@exercise("05.1")
async def relay_handler(answer) -> None:
    """``async def f(ws, conectados: set)``: registra, repassa aos outros, remove."""
    from websockets.asyncio.client import connect

    require_callable(answer)
    if not inspect.iscoroutinefunction(answer):
        raise Hint("O handler deve ser uma função `async def`: o websockets espera (await) por ela.")
    if len(inspect.signature(answer).parameters) != 2:
        raise Hint("O handler recebe dois parâmetros: a conexão (ws) e o conjunto `conectados`.")
    room: set = set()
    server = WebSocketServer(lambda ws: answer(ws, room), logger=_quiet)
    await server.start()
    clients = []
    try:
        for _ in range(3):
            clients.append(await connect(server.url, open_timeout=WAIT, close_timeout=WAIT))
        ana, bruno, carla = clients
        if not await _eventually(lambda: len(room) == 3):
            raise Hint(f"Com 3 clientes conectados, `conectados` tem {len(room)} elemento(s). "
                       "Cada conexão precisa entrar no conjunto assim que o handler começa.")
        await ana.send("oi, gente")
        got = [await _recv(ws) for ws in (bruno, carla)]
        if got != ["oi, gente", "oi, gente"]:
            raise Hint("A mensagem que a Ana mandou não chegou aos outros dois clientes. Para cada "
                       "mensagem recebida, mande-a a cada conexão do conjunto (broadcast).")
        await bruno.send("tchau")
        first = await _recv(ana)
        if first == "oi, gente":
            raise Hint("Quem mandou a mensagem também a recebeu de volta. O enunciado pede para "
                       "repassar só aos *outros*: pule a conexão de quem mandou.")
        if first != "tchau":
            raise Hint("Uma segunda mensagem (do Bruno) não chegou à Ana. O handler deve continuar "
                       "repassando enquanto a conexão estiver aberta (um laço sobre as mensagens).")
        await carla.close()
        if not await _eventually(lambda: len(room) == 2):
            raise Hint("Um cliente fechou a conexão e continuou em `conectados`. Tire a conexão "
                       "do conjunto quando o handler termina, num `finally`.")
        bruno.transport.abort()  # cai sem o CLOSE: o handler termina com erro
        if not await _eventually(lambda: len(room) == 1):
            raise Hint("Quando um cliente cai de repente (sem fechar direito), a conexão ficou no "
                       "conjunto. O `finally` garante a saída até quando o handler termina com erro.")
    finally:
        for ws in clients:
            await ws.close()
        await server.close()


#: Casos do 05.2: (Origin, Host, deve aceitar?)
ORIGIN_CASES = [
    (None, "127.0.0.1:8765", True),
    ("http://127.0.0.1:8765", "127.0.0.1:8765", True),
    ("https://hub.exemplo.edu", "hub.exemplo.edu", True),
    ("http://127.0.0.1:9999", "127.0.0.1:8765", False),
    ("https://malicioso.example", "127.0.0.1:8765", False),
    ("http://127.0.0.1:8765.malicioso.example", "127.0.0.1:8765", False),
    ("null", "127.0.0.1:8765", False),
]


@exercise("05.2")
def same_origin_rule(answer) -> None:
    """``f(origin: str | None, host: str) -> bool``: a regra do ``Origin`` do capítulo."""
    require_callable(answer)
    for origin, host, expected in ORIGIN_CASES:
        assert origin_allowed(origin, host) is expected  # os casos seguem a regra do servidor
        got = answer(origin, host)
        if not isinstance(got, bool):
            raise Hint("A função deve devolver True ou False.")
        if got == expected:
            continue
        if origin is None:
            raise Hint("Sem header Origin quem conecta é um programa, não uma página num "
                       "navegador: a regra do capítulo aceita.")
        if origin == "null":
            raise Hint('"null" é o Origin de um arquivo aberto do disco ou de um iframe isolado: '
                       "não é a nossa página.")
        if expected:
            raise Hint(f"Origin {origin!r} com Host {host!r} deveria ser aceito: é a mesma origem. "
                       "Compare só o endereço (host e porta) do Origin com o Host, sem o esquema "
                       "(http:// ou https://).")
        if "malicioso" in origin and "8765." in origin:
            raise Hint("Cuidado com comparações de prefixo: 127.0.0.1:8765.malicioso.example "
                       "começa igual, mas é outro endereço. Compare o endereço inteiro.")
        raise Hint(f"Origin {origin!r} com Host {host!r} deveria ser recusado: outro site (ou "
                   "outra porta) é outra origem.")


#: Textos do 05.3: cada um deve aparecer na página exatamente como foi digitado.
XSS_SAMPLES = [
    "Oi, turma!",
    "<script>alert('oi')</script>",
    '<img src=x onerror="alert(1)">',
    "a < b && c > d",
    "&lt;b&gt; não é negrito",
    "Olá, <b>mundo</b>",
]


@exercise("05.3")
def escape_for_html(answer) -> None:
    """``f(texto: str) -> str``: o texto pronto para entrar no HTML sem virar tag."""
    require_callable(answer)
    for text in XSS_SAMPLES:
        got = answer(text)
        if not isinstance(got, str):
            raise Hint("A função deve devolver um texto (str).")
        if "<" in got or ">" in got:
            raise Hint(f"Para {text!r} sua função devolveu {got!r}: ainda há < ou >, que o navegador "
                       "leria como o começo de uma tag. Troque-os pelas entidades do HTML.")
        if html.unescape(got) != text:
            if "&lt;" in text:
                raise Hint(f"{text!r} apareceria na página como {html.unescape(got)!r}. O próprio "
                           "& também precisa virar entidade, e antes dos outros caracteres.")
            raise Hint(f"{text!r} apareceria na página como {html.unescape(got)!r}: o texto mudou. "
                       "Escape só o necessário, sem apagar nem trocar o resto.")
