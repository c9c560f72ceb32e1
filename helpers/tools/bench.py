"""O benchmark do curso: mede, imprime e grava ``docs/benchmark.md``.

Uso (da raiz do repositório)::

    python3 curso.py benchmark                 # tudo (≈ 2 min: executa todos os notebooks)
    python3 curso.py benchmark --sem-notebooks # só as medidas de rede (≈ 20 s)

Não é um teste: nada aqui falha por ser lento. Cada figura vem com a meta do curso (issue 7,
numa máquina de 2 núcleos) e um ✔/✘ honesto; o arquivo gravado diz a data e a máquina.

Figuras:

1. tempo de "Restart & Run All" de cada notebook e do curso inteiro (nbclient, kernel novo);
2. RTT de eco WebSocket / RTT de eco TCP cru (mesma máquina, mesma carga);
3. broadcast para 1.000 clientes no processo do benchmark: atraso p50/p99;
4. memória do servidor por conexão ociosa (RSS do subprocesso, com e sem permessage-deflate);
5. bytes por mensagem entregue numa sala calma: WebSocket × polling (``run_calm_room``);
6. latência que o tap acrescenta por mensagem (eco TCP através do tap − eco direto).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import pathlib
import platform
import statistics
import sys
import time

import psutil

from ..core.cli import ArgumentParser
from ..core.lifecycle import Registry, TcpServer, WebSocketServer
from ..scale.broker import BrokerServer, fanout_latencies
from ..scale.techniques import TechniqueServer, percentile, run_calm_room
from ..traffic.httpdecode import RawDecoder
from ..traffic.tap import Tap

__all__ = ["machine", "main", "measure_network", "measure_notebooks", "write_report"]

ROOT = pathlib.Path(__file__).resolve().parents[2]


def machine() -> dict:
    """Onde a medida foi feita (vai para o cabeçalho do relatório)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "data": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "sistema": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "núcleos": psutil.cpu_count(logical=True),
        "memória": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        # outros programas rodando ao mesmo tempo pioram as medidas: fica registrado
        "carga média (1 min) no início": f"{psutil.getloadavg()[0]:.1f}",
    }


# --- 1. notebooks ----------------------------------------------------------------------------


def measure_notebooks(names: list[pathlib.Path] | None = None) -> dict[str, float | None]:
    """Segundos de cada notebook num kernel novo (da primeira à última célula); ``None`` para
    um notebook que falhou (o motivo fica em ``failures``)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebooks = names or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    out = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=300,
                                resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel():
            start = time.perf_counter()
            try:
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type == "code":
                        client.execute_cell(cell, index)
            except CellExecutionError as exc:
                out[path.name] = None  # um notebook quebrado não derruba o benchmark inteiro
                failures[path.name] = f"célula {index}: {exc.ename}"
                print(f"  {path.name}: ✘ falhou na célula {index} ({exc.ename})", flush=True)
                continue
            out[path.name] = time.perf_counter() - start
        print(f"  {path.name}: {out[path.name]:.1f} s", flush=True)
    return out


failures: dict[str, str] = {}  # notebook → onde falhou (preenchido por measure_notebooks)


# --- 2..6. rede --------------------------------------------------------------------------------


async def _echo_rtts(connect, rounds: int) -> list[float]:
    send, recv, close = await connect()
    rtts = []
    try:
        for _ in range(20):  # aquecimento
            await send(b"x" * 32)
            await recv()
        for _ in range(rounds):
            t = time.perf_counter()
            await send(b"x" * 32)
            await recv()
            rtts.append(time.perf_counter() - t)
    finally:
        await close()
    return rtts


async def _tcp_echo(reader, writer) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


def _tcp_client(port: int):
    async def connect():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.get_extra_info("socket").setsockopt(6, 1, 1)  # TCP_NODELAY

        async def send(data):
            writer.write(data)
            await writer.drain()

        async def recv():
            return await reader.readexactly(32)

        async def close():
            writer.close()
            await writer.wait_closed()

        return send, recv, close

    return connect


async def _ws_echo(ws) -> None:
    async for message in ws:
        await ws.send(message)


def _ws_client(url: str):
    async def connect():
        from websockets.asyncio.client import connect as ws_connect

        ws = await ws_connect(url, compression=None)
        return ws.send, ws.recv, ws.close

    return connect


async def _idle_memory(compression: str | None, clients: int) -> float:
    """Bytes de RSS do servidor por conexão ociosa."""
    from websockets.asyncio.client import connect

    reg = Registry()
    server = await reg.start("bench-mem", BrokerServer("M"))
    proc = psutil.Process(server.process.popen.pid)
    conns = []
    try:
        await asyncio.sleep(0.2)
        before = proc.memory_info().rss
        for _ in range(clients):
            conns.append(await connect(server.url, compression=compression))
        await asyncio.sleep(0.5)
        after = proc.memory_info().rss
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
        await reg.stop_all()
    return (after - before) / clients


async def measure_network(clients: int = 1000) -> dict:
    reg = Registry()
    out: dict = {}
    try:
        tcp = await reg.start("bench-tcp", TcpServer(_tcp_echo))
        ws = await reg.start("bench-ws", WebSocketServer(_ws_echo, compression=None))
        tap = await reg.start("bench-tap", Tap(tcp.port, decoder=RawDecoder))
        rounds = 2000
        tcp_rtt = statistics.median(await _echo_rtts(_tcp_client(tcp.port), rounds))
        ws_rtt = statistics.median(await _echo_rtts(_ws_client(ws.url), rounds))
        tap_rtt = statistics.median(await _echo_rtts(_tcp_client(tap.port), rounds))
        tap.clear()
        out.update(tcp_rtt=tcp_rtt, ws_rtt=ws_rtt, tap_rtt=tap_rtt)
        print(f"  eco: TCP {tcp_rtt * 1e6:.0f} µs, WebSocket {ws_rtt * 1e6:.0f} µs, "
              f"TCP pelo tap {tap_rtt * 1e6:.0f} µs", flush=True)

        single = await reg.start("bench-broadcast", BrokerServer("U"))
        latencies = await fanout_latencies([single.url], clients + 1, messages=5, gap=0.1, timeout=60)
        from websockets.asyncio.client import connect

        async with connect(single.url) as probe:
            await probe.send('{"acao": "medidas"}')
            server_side = json.loads(await asyncio.wait_for(probe.recv(), 10))["broadcast_s"]
        out.update(broadcast_clients=clients, broadcast_delivered=len(latencies),
                   broadcast_p50=percentile(latencies, 50), broadcast_p99=percentile(latencies, 99),
                   broadcast_server=statistics.median(server_side))
        print(f"  broadcast para {clients}: p50 {out['broadcast_p50'] * 1e3:.1f} ms, "
              f"p99 {out['broadcast_p99'] * 1e3:.1f} ms; no servidor "
              f"{out['broadcast_server'] * 1e3:.1f} ms", flush=True)
        await reg.stop("bench-broadcast")

        techniques = await reg.start("bench-tecnicas", TechniqueServer())
        out["rows_calm_room"] = await rows_calm_room(techniques, reg)
    finally:
        await reg.stop_all()
    out["mem_plain"] = await _idle_memory(None, clients)
    out["mem_deflate"] = await _idle_memory("deflate", clients)
    print(f"  memória por conexão ociosa: {out['mem_plain'] / 1024:.1f} KiB sem compressão, "
          f"{out['mem_deflate'] / 1024:.1f} KiB com permessage-deflate", flush=True)
    return out


async def rows_calm_room(techniques: TechniqueServer, reg: Registry, minutes: float = 10) -> list[str]:
    """Issue 15, a sala calma: bytes por mensagem entregue, WebSocket × polling (meta ≥ 50×)."""
    room = await run_calm_room(techniques, minutes=minutes, registry=reg)
    print(f"  sala calma ({minutes:g} min simulados): WebSocket {room.websocket_per_message:.0f} B, "
          f"polling {room.polling_per_message:.0f} B por mensagem ({room.ratio:.0f}×)", flush=True)
    return [f"| sala calma (1 msg/min, polling a cada 2 s): bytes por mensagem entregue, polling / "
            f"WebSocket | {room.polling_per_message:.0f} B / {room.websocket_per_message:.0f} B = "
            f"{room.ratio:.0f}× | ≥ 50× | {_ok(room.ratio >= 50)} |"]


# --- soak da sala de aula (issue 13; helpers.tools.soak) ---------------------------------------


def rows_soak(small: bool = False) -> list[str]:
    """Linhas da tabela com o soak da sala de aula: entrega aos comportados (p50/p99, calma e sob
    carga), memória do servidor e o que as enchentes conseguiram. ``small``: uma turma de 20
    (para testar o benchmark depressa); senão, a turma da issue (200 + 20 + 10 + 3 + 1)."""
    from .soak import Plan, run

    plan = Plan(good=20, slow=2, flooders=1, flaky=4) if small else Plan()
    r = run(plan)
    print(r.summary(), flush=True)
    mib = 2**20
    ms = lambda phase, q: f"{r.p(phase, q) * 1e3:.0f} ms"  # noqa: E731
    floods = r.bad.get("enchentes", [])
    stored = sum(r.stored.get(f["nick"], 0) for f in floods)
    seconds = max((f["seconds"] for f in floods), default=0)
    turma = f"{plan.good} + {plan.flaky} instáveis + {plan.slow} lentos + {plan.flooders} enchentes + atacante"
    return [
        f"| soak ({turma}): entrega aos comportados, rodada calma, p50 / p99 | {ms('calma', 50)} / {ms('calma', 99)} | | |",
        f"| soak: entrega aos comportados, sob carga (enchentes, lentos, quedas, ataque), p50 / p99 | "
        f"{ms('sob carga', 50)} / {ms('sob carga', 99)} | | |",
        f"| soak: RSS do servidor ocioso / turma / pico / depois dos maus | {r.rss_idle / mib:.0f} / "
        f"{r.rss_class / mib:.0f} / {r.rss_peak / mib:.0f} / {r.rss_after / mib:.0f} MiB | pico ≤ ocioso + 64 MiB | "
        f"{_ok(r.rss_peak <= r.rss_idle + 64 * mib)} |",
        f"| soak: mensagens das {len(floods)} enchentes guardadas (limite 5/s, rajada 20) | {stored} em "
        f"{seconds:.0f} s | ≤ {len(floods)} × (20 + 5 × {seconds:.0f} s) | "
        f"{_ok(stored <= len(floods) * (20 + 5 * (seconds + 1)))} |",
        f"| soak: duração / CPU do servidor / CPU dos clientes | {r.seconds:.0f} s / "
        f"{r.cpu.get('servidor', 0):.1f} s / {r.cpu.get('clientes', 0):.1f} s | ≤ 60 s | {_ok(r.seconds <= 60)} |",
    ]


# --- relatório ---------------------------------------------------------------------------------


def _ok(good: bool) -> str:
    return "✔" if good else "✘"


def _misses(info: dict, notebooks: dict | None, net: dict) -> list[str]:
    """Para cada meta não atingida, o porquê (o que sabemos dele)."""
    out = []
    load = float(info.get("carga média (1 min) no início", "0").replace(",", "."))
    if load > 1.0:
        out.append(f"* A máquina já estava ocupada quando a medida começou (carga média {load:.1f} "
                   f"para {info['núcleos']} núcleos): todos os tempos abaixo ficam piores do que numa "
                   "máquina parada. Rode de novo com a máquina livre antes de comparar.")
    for name, seconds in (notebooks or {}).items():
        if seconds is not None and seconds > 8:
            out.append(f"* `{name}` passou de 8 s. Os notebooks com medidas (03, 06, 07) gastam a "
                       "maior parte do tempo esperando cargas limitadas e subprocessos subirem.")
    if net["broadcast_p99"] > 0.05:
        per_conn = net["broadcast_server"] / net["broadcast_clients"] * 1e6
        out.append("* **Broadcast p99 acima de 50 ms.** Duas parcelas, as duas em Python puro. O "
                   f"servidor leva {net['broadcast_server'] * 1e3:.1f} ms (mediana, medida dentro dele) "
                   f"só para montar e escrever o frame nos {net['broadcast_clients']} sockets, ≈ "
                   f"{per_conn:.0f} µs por conexão (`websockets.broadcast`, com permessage-deflate "
                   "negociado: um contexto de compressão por conexão). Depois, os clientes, todos "
                   "num único processo Python, acordam e decodificam o frame um depois do outro. "
                   "Para chegar perto da meta: desligar a compressão no broadcast, dividir os "
                   "clientes entre vários processos servidores (a seção 2 do notebook 07) e medir "
                   "com clientes espalhados por outros processos ou máquinas.")
    if net["mem_deflate"] > 20 * 1024:
        out.append("* **Memória por conexão com permessage-deflate acima de 20 KiB.** O estado do "
                   "zlib de cada conexão custa dezenas de KiB (a documentação do websockets fala em "
                   "≈ 64 KiB). Sem compressão, a meta é atingida; um servidor com muitas conexões "
                   "ociosas pode desligar a compressão ou limitar a janela (`server_max_window_bits`).")
    if net["ws_rtt"] > 3 * net["tcp_rtt"]:
        out.append("* **WebSocket/TCP acima de 3×.** O eco TCP é quase só a chamada ao sistema; o "
                   "WebSocket acrescenta a máscara, o enquadramento e uma volta a mais no laço de "
                   "eventos em Python puro, que pesam mais quando a máquina está ocupada.")
    if out:
        out = ["## Onde a meta não foi atingida, e por quê", "", *out, ""]
    return out


def write_report(path: pathlib.Path, info: dict, notebooks: dict[str, float] | None, net: dict) -> str:
    lines = [
        "# Benchmark do curso",
        "",
        "Gerado por `python3 curso.py benchmark` (veja o docstring de `helpers/tools/bench.py`). Medidas de",
        "uma execução; rode de novo na sua máquina para comparar. Metas da issue 7, pensadas para",
        "uma máquina de 2 núcleos.",
        "",
        "| máquina | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "## Resultados",
        "",
        "| medida | resultado | meta | |",
        "|---|---|---|---|",
    ]
    if notebooks:
        total = sum(v for v in notebooks.values() if v is not None)
        broken = [n for n, v in notebooks.items() if v is None]
        note = f" (sem {', '.join(broken)}: falhou)" if broken else ""
        lines.append(f"| curso inteiro (Restart & Run All, soma){note} | {total:.1f} s | ≤ 60 s | {_ok(total <= 60)} |")
        for name, seconds in notebooks.items():
            if seconds is None:
                lines.append(f"| `{name}` | falhou ({failures.get(name, '?')}) | ≤ 8 s | ✘ |")
            else:
                lines.append(f"| `{name}` | {seconds:.1f} s | ≤ 8 s | {_ok(seconds <= 8)} |")
    ratio = net["ws_rtt"] / net["tcp_rtt"]
    lines += [
        f"| RTT eco WebSocket / RTT eco TCP cru | {net['ws_rtt'] * 1e6:.0f} µs / {net['tcp_rtt'] * 1e6:.0f} µs = {ratio:.1f}× | ≤ 3× | {_ok(ratio <= 3)} |",
        f"| broadcast para {net['broadcast_clients']} clientes: p50 | {net['broadcast_p50'] * 1e3:.1f} ms | | |",
        f"| broadcast para {net['broadcast_clients']} clientes: p99 | {net['broadcast_p99'] * 1e3:.1f} ms | ≤ 50 ms | {_ok(net['broadcast_p99'] <= 0.05)} |",
        f"| broadcast para {net['broadcast_clients']} clientes: tempo do servidor para escrever em todos (mediana) | {net['broadcast_server'] * 1e3:.1f} ms | | |",
        f"| memória do servidor por conexão ociosa (sem compressão) | {net['mem_plain'] / 1024:.1f} KiB | ≤ 20 KiB | {_ok(net['mem_plain'] <= 20 * 1024)} |",
        f"| memória do servidor por conexão ociosa (permessage-deflate, o padrão) | {net['mem_deflate'] / 1024:.1f} KiB | ≤ 20 KiB | {_ok(net['mem_deflate'] <= 20 * 1024)} |",
        *net["rows_calm_room"],
        f"| latência acrescentada pelo tap por mensagem | {(net['tap_rtt'] - net['tcp_rtt']) * 1e3:.3f} ms | ≤ 1 ms | {_ok(net['tap_rtt'] - net['tcp_rtt'] <= 1e-3)} |",
        *net.get("linhas_soak", []),  # rows_soak
        "",
        *_misses(info, notebooks, net),
        "## Como cada figura é medida",
        "",
        "* **Notebooks**: cada um num kernel novo (nbclient), da primeira à última célula; a partida",
        "  do kernel não entra. A soma é o \"Restart & Run All\" do curso.",
        "* **RTT de eco**: 2.000 idas e voltas de 32 bytes, mediana; servidor e cliente no mesmo",
        "  processo, em 127.0.0.1. TCP com `TCP_NODELAY`; WebSocket sem compressão.",
        f"* **Broadcast**: um servidor `helpers.scale.broker` (subprocesso, sem Redis), {net['broadcast_clients']} clientes",
        "  conectados no processo do benchmark; um cliente a mais envia 5 mensagens; atraso do envio",
        f"  até cada entrega ({net['broadcast_delivered']} entregas). Os clientes dividem o mesmo processo",
        "  Python (e o mesmo núcleo), então parte do atraso é deles, não do servidor.",
        "* **Memória**: RSS do subprocesso servidor antes e depois de abrir as conexões ociosas,",
        "  dividido pelo número de conexões. Com permessage-deflate (o padrão do `websockets`), cada",
        "  conexão guarda o estado do zlib; a documentação do websockets fala em ≈ 64 KiB com",
        "  compressão e ≈ 14 KiB sem.",
        "* **Sala calma**: veja `run_calm_room` em `helpers/scale/techniques.py`: uma mensagem por",
        "  minuto, polling a cada 2 s, ping do WebSocket a cada 20 s, 10 minutos num relógio simulado",
        "  (os eventos rodam um depois do outro, sem esperar o relógio); os bytes são os de verdade,",
        "  contados por um tap em cada cliente, nos dois sentidos (handshake e pings incluídos).",
        "* **Tap**: a mesma medida de eco TCP, através do tap e direto; a diferença das medianas.",
        "",
    ]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python3 curso.py benchmark",
        description="O benchmark do curso: mede tempos dos notebooks, RTT, broadcast, memória por "
                    "conexão, bytes por mensagem e o custo do tap, e grava a tabela com metas e "
                    "resultados. Nada aqui é teste: um resultado ruim vira ✘ com o motivo, não erro.",
    )
    parser.add_argument("--sem-notebooks", action="store_true",
                        help="não executa os notebooks (só as medidas de rede, ≈ 20 s)")
    parser.add_argument("--clientes", type=int, default=1000, metavar="N",
                        help="quantos clientes recebem o broadcast (padrão: %(default)s)")
    parser.add_argument("--saida", default=str(ROOT / "docs" / "benchmark.md"), metavar="ARQUIVO",
                        help="onde gravar o relatório em Markdown (padrão: docs/benchmark.md)")
    args = parser.parse_args(argv)
    info = machine()
    print("Máquina:", ", ".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    notebooks = None
    if not args.sem_notebooks:
        print("Notebooks (Restart & Run All):", flush=True)
        notebooks = measure_notebooks()
    print("Rede:", flush=True)
    net = asyncio.run(measure_network(args.clientes))
    net["linhas_soak"] = rows_soak()
    print(write_report(pathlib.Path(args.saida), info, notebooks, net))
    print(f"\n✔ gravado em {args.saida}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
