"""Reconexão: backoff com e sem jitter; retomada sem perder nem repetir através de um restart."""

import asyncio
import logging
import random

import pytest

from helpers.core.lifecycle import WebSocketServer
from helpers.experiments.reconnect import Feed, ResumingClient, backoff
from support import wait_until

QUIET = logging.getLogger("tests.reconnect")
QUIET.propagate = False
QUIET.addHandler(logging.NullHandler())


def test_backoff_doubles_up_to_the_cap_without_jitter():
    assert [backoff(k, base=0.1, cap=1.0, jitter=False) for k in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_full_jitter_stays_between_zero_and_the_ceiling_and_spreads():
    rng = random.Random(1)
    waits = [backoff(3, base=0.1, cap=1.0, rng=rng) for _ in range(1000)]
    assert all(0 <= w <= 0.8 for w in waits)
    assert min(waits) < 0.1 and max(waits) > 0.7


async def test_the_client_loses_nothing_and_duplicates_nothing_across_a_server_restart(reg):
    feed = Feed()
    server = await reg.start("feed", WebSocketServer(feed.handler, logger=QUIET, close_timeout=0.2))
    port = server.port
    client = ResumingClient(f"ws://127.0.0.1:{port}/", rng=random.Random(2))
    total = 40

    async def produce():
        for i in range(total):
            await feed.publish(f"mensagem {i + 1}")
            await asyncio.sleep(0.01)  # o ritmo de quem escreve (não é uma espera por nada)

    async def restart():
        await wait_until(lambda: len(client.received) >= 5, what="as primeiras mensagens chegarem")
        await reg.stop("feed")
        await wait_until(lambda: len(client.attempts) > client.connections + 1,
                         what="uma tentativa recusada com o servidor fora do ar")
        await reg.start("feed", WebSocketServer(feed.handler, port=port, logger=QUIET, close_timeout=0.2))

    await asyncio.gather(produce(), restart(),
                         client.run(lambda c: len(c.received) >= total, timeout=10))
    await reg.stop_all()  # antes das conferências abaixo
    assert [m["id"] for m in client.received] == list(range(1, total + 1))
    assert client.connections >= 2
    assert len(client.attempts) > client.connections  # houve tentativas recusadas no meio


async def test_a_late_client_gets_the_history_then_the_live_messages(reg):
    feed = Feed()
    server = await reg.start("feed", WebSocketServer(feed.handler, logger=QUIET))
    for i in range(5):
        await feed.publish(str(i))
    client = ResumingClient(f"ws://127.0.0.1:{server.port}/")
    task = asyncio.ensure_future(client.run(lambda c: len(c.received) >= 6, timeout=5))
    await wait_until(lambda: feed.listeners, what="o cliente entrar")
    await feed.publish("ao vivo")
    await task
    await reg.stop_all()  # antes das conferências abaixo
    assert [m["text"] for m in client.received] == ["0", "1", "2", "3", "4", "ao vivo"]


async def test_after_a_drop_the_planned_attempts_follow_the_backoff_steps(reg):
    feed = Feed()
    server = await reg.start("feed", WebSocketServer(feed.handler, logger=QUIET, close_timeout=0.2))
    port = server.port
    waits = []

    async def sleep(seconds):  # o tempo anda quando o teste manda: sem depender da máquina
        waits.append(seconds)
        if len(waits) == 4:  # antes da 4ª tentativa (0,75 s depois da queda), o servidor volta
            await reg.start("feed", WebSocketServer(feed.handler, port=port, logger=QUIET, close_timeout=0.2))
            await feed.publish("voltei")

    client = ResumingClient(server.url, jitter=False, base=0.05, cap=0.8, sleep=sleep)
    task = asyncio.ensure_future(client.run(lambda c: c.last_id >= 1, timeout=10))
    await wait_until(lambda: client.connections, what="o cliente conectar")
    await reg.stop("feed")  # o servidor "cai": as tentativas seguintes são recusadas
    await task
    await reg.stop_all()  # antes das conferências abaixo
    assert waits == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert client.planned == pytest.approx([0.05, 0.15, 0.35, 0.75])
    assert len(client.dropped) == 1 and client.connections == 2
