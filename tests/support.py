"""Ajudas comuns dos testes: esperar uma condição (com limite) e subir um servidor avulso.

* ``await wait_until(lambda: tap.connections == 3)``: confere a condição a cada poucos
  milissegundos e falha (``AssertionError``) se ela não vier em ``timeout`` segundos. O limite é
  só uma guarda contra travar: nenhum teste passa ou falha pela velocidade da máquina.
* ``recv``, ``recv_type`` e ``join``: um cliente ``websockets`` do chat em poucas linhas (o
  próximo evento JSON, o próximo de um tipo, entrar na sala e ler o ``welcome`` e o histórico).
* ``start_standalone("helpers.chat", "--port", "0", marker=CHAT_MARKER)``: ``python -m MÓDULO``
  num subprocesso, como o README manda rodar, e a porta lida da saída dele por
  ``Process.wait_for_port`` (o mesmo código dos servidores do capítulo 07). Para testes
  síncronos (Playwright) e assíncronos; a fixture ``standalone_server`` (conftest) para o
  processo no fim do teste.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from websockets.asyncio.client import connect

from helpers.core.lifecycle import Process

__all__ = ["CHAT_MARKER", "TIMEOUT", "join", "recv", "recv_type", "start_standalone", "stop_standalone",
           "wait_until"]

TIMEOUT = 30  # segundos: só a guarda contra travar de ``recv`` e ``join``

CHAT_MARKER = "Chat do curso escutando em 127.0.0.1:"  # a linha em que ``python -m helpers.chat`` diz a porta


async def wait_until(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.005,
                     what: str = "") -> None:
    """Espera ``condition()`` ficar verdadeira; ``timeout`` é só a guarda contra travar."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"a condição não veio em {timeout} s: {what or condition}")
        await asyncio.sleep(interval)


async def recv(ws) -> dict:
    """O próximo evento do chat, já lido do JSON."""
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def recv_type(ws, kind: str) -> dict:
    """O próximo evento do tipo ``kind`` (pula os outros, como presença)."""
    while True:
        event = await recv(ws)
        if event["type"] == kind:
            return event


async def join(url: str, nick: str, **fields):
    """Conecta e entra na sala; devolve ``(conexão, welcome, primeira página do histórico)``."""
    ws = await connect(url, compression=None, open_timeout=TIMEOUT)
    await ws.send(json.dumps({"action": "join", "nick": nick, **fields}))
    welcome = await recv(ws)
    assert welcome["type"] == "welcome", welcome
    history = await recv(ws)
    assert history["type"] == "history", history
    return ws, welcome, history


def _in_own_loop(coro):
    """Roda ``coro`` num laço de eventos próprio, noutra thread: funciona dentro de testes
    síncronos (o Playwright tem o seu laço) e também de dentro de um laço que já roda."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def start_standalone(module: str, *args: str, marker: str = "PORTA ", timeout: float = 30.0) -> tuple[Process, int]:
    """``python -m module args``; devolve o processo e a porta que ele anunciou."""
    process = Process(sys.executable, "-m", module, *args, env={"PYTHONUNBUFFERED": "1"})

    async def start() -> int:
        await process.start()
        return await process.wait_for_port(timeout, marker)

    return process, _in_own_loop(start())


def stop_standalone(process: Process) -> None:
    _in_own_loop(process.close())


def quiet_logger(name: str = "teste") -> "logging.Logger":
    """Um logger que não repete no pytest os avisos esperados dos servidores (ataques de teste)."""
    import logging

    log = logging.getLogger(name)
    log.propagate = False
    return log
