"""Enxurrada de consultas contra ``python -m helpers.dns``: a memória do servidor antes e depois.

Uso (limitado em número e em tempo, só em loopback)::

    .venv/bin/python scripts/dns_flood.py --queries 100000
    .venv/bin/python scripts/dns_flood.py --tree /tmp/outra-copia   # o mesmo servidor de outra árvore

Sobe o servidor da linha de comando num subprocesso (``--port 0``), mede o RSS dele com psutil,
manda as consultas por UDP em janelas (sem estourar o buffer do kernel), mede de novo e, com
``--tcp N``, abre N conexões TCP ociosas e mede outra vez. Não é um teste: os números dependem
da máquina; o teste que decide é ``tests/test_dns.py`` (contagem de eventos, não RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import re
import subprocess
import sys
import time

import dns.message
import psutil

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _start(tree: pathlib.Path) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(tree))
    proc = subprocess.Popen([sys.executable, "-m", "helpers.dns", "--port", "0"], cwd=tree, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r"porta (\d+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"o servidor não disse a porta: {line!r}")
    print(line.strip())
    return proc, int(match.group(1))


def _rss_mib(proc: subprocess.Popen) -> float:
    return psutil.Process(proc.pid).memory_info().rss / 2**20


async def _flood(port: int, total: int, window: int, deadline: float) -> int:
    loop = asyncio.get_running_loop()
    state = {"got": 0, "want": 0, "done": loop.create_future()}

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            state["got"] += 1
            if state["got"] >= state["want"] and not state["done"].done():
                state["done"].set_result(None)

    transport, _ = await loop.create_datagram_endpoint(Client, remote_addr=("127.0.0.1", port))
    query = bytearray(dns.message.make_query("chat.curso.test", "A").to_wire())
    try:
        for start in range(0, total, window):
            if time.monotonic() > deadline:
                print(f"prazo esgotado depois de {start} consultas")
                break
            batch = min(window, total - start)
            state["want"], state["done"] = state["got"] + batch, loop.create_future()
            for i in range(batch):
                query[:2] = ((start + i) & 0xFFFF).to_bytes(2, "big")
                transport.sendto(bytes(query))
            try:
                await asyncio.wait_for(state["done"], 10.0)
            except TimeoutError:
                pass
    finally:
        transport.close()
    return state["got"]


async def _idle_tcp(port: int, count: int) -> list[asyncio.StreamWriter]:
    writers = []
    for _ in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x01\x00")  # promete 256 bytes e não manda
        writers.append(writer)
    return writers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=200)
    parser.add_argument("--tree", type=pathlib.Path, default=ROOT, help="árvore com o pacote helpers")
    parser.add_argument("--tcp", type=int, default=0, help="conexões TCP ociosas abertas no fim")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()
    proc, port = _start(args.tree.resolve())
    try:
        before = _rss_mib(proc)
        t0 = time.monotonic()
        got = asyncio.run(_flood(port, args.queries, args.window, t0 + args.max_seconds))
        elapsed = time.monotonic() - t0
        after = _rss_mib(proc)
        print(f"{args.queries} consultas, {got} respostas em {elapsed:.1f} s; "
              f"RSS do servidor: {before:.1f} → {after:.1f} MiB")
        if args.tcp:
            async def tcp() -> float:
                writers = await _idle_tcp(port, args.tcp)
                await asyncio.sleep(0.5)  # só para a medida, não decide nada
                rss = _rss_mib(proc)
                for writer in writers:
                    writer.close()
                return rss

            print(f"com {args.tcp} conexões TCP abertas (aceitas ou recusadas): {asyncio.run(tcp()):.1f} MiB")
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
