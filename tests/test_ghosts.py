"""Sockets fantasmas: sem heartbeat o servidor os guarda; com ping/pong, ele os derruba."""

import asyncio
import logging

from websockets.asyncio.client import connect

from helpers.experiments.ghosts import Blackhole, count_over_time
from helpers.core.lifecycle import WebSocketServer

QUIET = logging.getLogger("tests.ghosts")
QUIET.propagate = False
QUIET.addHandler(logging.NullHandler())


async def idle(ws):
    async for _ in ws:
        pass


async def ghosts_left(reg, seconds, **keepalive):
    """Quantas conexões fantasmas o servidor ainda guarda depois de ``seconds`` s (ou antes, se
    já não guardar nenhuma)."""
    server = await reg.start("ws", WebSocketServer(idle, close_timeout=0.3, logger=QUIET, **keepalive))
    hole = await reg.start("hole", Blackhole(server.port))
    clients = [await connect(f"ws://127.0.0.1:{hole.port}/", ping_interval=None) for _ in range(5)]
    assert len(server.server.connections) == 5
    hole.cut()
    for c in clients:
        c.transport.abort()  # o cliente some; pelo buraco negro, o servidor não fica sabendo
    connections = lambda: len(server.server.connections)  # noqa: E731
    samples = await count_over_time(connections, seconds, 0.1, until=lambda: connections() == 0)
    return samples[-1][1]


async def test_without_heartbeats_the_server_keeps_ghosts(reg):
    # ping a cada 0,3 s derruba os fantasmas em ~1 s (teste abaixo); sem ping, 1,5 s depois eles
    # seguem lá (numa máquina lenta, o servidor só teria tido menos chances de derrubá-los)
    assert await ghosts_left(reg, 1.5, ping_interval=None) == 5


async def test_with_ping_pong_the_server_drops_ghosts(reg):
    # ~1 s numa máquina ociosa (ping 0,3 + pong 0,3 + close 0,3); 60 s é só a guarda contra travar
    assert await ghosts_left(reg, 60, ping_interval=0.3, ping_timeout=0.3) == 0


async def test_the_blackhole_relays_faithfully_until_cut(reg):

    async def echo(ws):
        async for m in ws:
            await ws.send(m)

    server = await reg.start("ws", WebSocketServer(echo, logger=QUIET))
    hole = await reg.start("hole", Blackhole(server.port))
    async with connect(f"ws://127.0.0.1:{hole.port}/", close_timeout=0.2) as ws:
        await ws.send("oi")
        assert await ws.recv() == "oi"
        hole.cut()
        await ws.send("alô?")
        try:
            await asyncio.wait_for(ws.recv(), 0.3)
            raise AssertionError("nada deveria passar")
        except asyncio.TimeoutError:
            pass
    assert "cortado" in repr(hole)


async def test_count_over_time_samples_until_the_deadline():
    samples = await count_over_time(lambda: 7, 0.2, 0.05)
    assert samples[0][0] == samples[0][0] >= 0 and samples[-1][0] >= 0.2
    assert {v for _, v in samples} == {7}
