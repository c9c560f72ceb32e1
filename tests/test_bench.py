"""O benchmark sem rede: os frames dos clientes leves, as marcas de tempo, o resumo e o relatório."""

import math
import os
import pathlib
import zlib

import pytest

from helpers.protocols.wsframes import Frame, encode_frame
from helpers.tools import bench, loadgen


def _deflate_frames(texts):
    """Frames TEXT comprimidos como um servidor com context takeover (RFC 7692 §7.2.1)."""
    packer = zlib.compressobj(wbits=-15)
    out = []
    for text in texts:
        data = packer.compress(text.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        out.append(encode_frame(Frame(1, data[:-4], True, 0b100, None), check=False))
    return out


def test_scanner_splits_frames_across_reads_and_keeps_the_rest():
    data = encode_frame(Frame.text("T=5 um")) + encode_frame(Frame.ping(b"p")) + encode_frame(Frame.text("x" * 300))
    scanner = loadgen.FrameScanner()
    got = scanner.feed(data[:3]) + scanner.feed(data[3:20]) + scanner.feed(data[20:])
    assert [(op, payload[:6]) for op, _rsv, payload in got] == [(1, b"T=5 um"), (9, b"p"), (1, b"xxxxxx")]
    assert len(got[2][2]) == 300 and not scanner.buffer


def test_scanner_inflates_with_one_context_for_the_whole_connection():
    texts = ['{"texto": "T=1"}', '{"texto": "T=2"}', '{"texto": "T=2"}']
    scanner = loadgen.FrameScanner(inflate=True)
    payloads = [p for frame in _deflate_frames(texts) for _op, _rsv, p in scanner.feed(frame)]
    assert payloads == [t.encode() for t in texts]


def test_marks_carry_the_send_instant_and_give_the_delay():
    assert loadgen.stamp_of(loadgen.marked_text(123).encode()) == 123
    assert loadgen.stamp_of(b'{"type": "presence"}') is None
    assert loadgen.delays_in([b'{"text": "T=100"}', b"nada", b"T=250"], 1000) == [900, 750]


def test_summary_counts_what_never_arrived_as_infinitely_late():
    result = {"delays_us": [1000] * 97, "user_s": 0.2, "sys_s": 0.1, "lost": 0}
    d = loadgen.summarize("x", 10, 10, 100, result, (1.0, 0.5), 0.004)
    assert d.delivered == 97 and not d.complete
    assert d.p50 == pytest.approx(0.001) and d.p99 == math.inf
    assert d.server_user == pytest.approx(0.1) and d.clients_sys == pytest.approx(0.01)


def test_report_has_goal_result_verdict_and_the_reason_for_each_miss(tmp_path):
    rows = [bench.Row("coisa boa", "1 ms", "≤ 2 ms", True), bench.Row("coisa ruim", "9 ms", "≤ 2 ms", False, "motivo medido"),
            bench.Row("só informa", "3 B")]
    info = {"data": "hoje", "núcleos": 2, "carga média (1 min) no início": "0.1"}
    text = bench.write_report(tmp_path / "b.md", info, rows, "python3 curso.py benchmark --x")
    assert "| coisa boa | 1 ms | ≤ 2 ms | ✔ |" in text and "| coisa ruim | 9 ms | ≤ 2 ms | ✘ |" in text
    assert "| só informa | 3 B |  |  |" in text
    assert "* **coisa ruim**: motivo medido" in text and "coisa boa**" not in text
    assert "`python3 curso.py benchmark --x`" in text and (tmp_path / "b.md").read_text() == text


def test_a_busy_machine_is_named_in_the_report(tmp_path):
    info = {"núcleos": 2, "carga média (1 min) no início": "7,5"}
    assert "carga média 7,5" in bench.write_report(tmp_path / "b.md", info, [])


async def test_adding_a_figure_is_one_function_and_one_line(monkeypatch):
    def rows_exemplo(args):
        return [bench.Row("exemplo", "1")]

    async def rows_assincrono(args):
        return [bench.Row("assíncrono", "2")]

    monkeypatch.setattr(bench, "TOPICS", [rows_exemplo, rows_assincrono])
    assert [r.measure for r in await bench.collect(None)] == ["exemplo", "assíncrono"]


def test_class_sizes_are_validated_in_portuguese(capsys):
    parser = bench.build_parser()
    assert parser.parse_args(["--sala", "1000,100"]).sala == [100, 1000]
    assert parser.parse_args(["--sem-sala"]).sala == []
    with pytest.raises(SystemExit):
        parser.parse_args(["--sala", "muitos"])
    assert "esperava números separados por vírgula" in capsys.readouterr().err


def test_every_option_is_documented_in_portuguese():
    parser = bench.build_parser()
    text = parser.format_help()
    assert text.startswith("uso: ") and "opções:" in text
    for action in parser._actions:
        assert action.help and "show" not in action.help, action.option_strings


@pytest.mark.skipif(not pathlib.Path("/proc/self/schedstat").exists(), reason="só no Linux")
def test_run_queue_wait_reads_the_scheduler_for_a_live_process_and_none_for_a_gone_one():
    assert loadgen.run_queue_wait([os.getpid()]) >= 0
    assert loadgen.run_queue_wait([2**22 + 12345]) is None


def test_measure_notebooks_keeps_the_best_of_its_runs_and_reports_a_broken_notebook(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from helpers.tools import bench

    paths = []
    for name, code in [("ok.ipynb", "x = sum(range(1000))"), ("quebrado.ipynb", "1 / 0")]:
        nb = new_notebook(cells=[new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tmp_path / name)
        paths.append(tmp_path / name)
    seconds = bench.measure_notebooks(paths, runs=2)
    assert len(bench.all_runs["ok.ipynb"]) == 2 and seconds["ok.ipynb"] == min(bench.all_runs["ok.ipynb"])
    assert seconds["quebrado.ipynb"] is None and "ZeroDivisionError" in bench.failures["quebrado.ipynb"]


def _connected(sink, extensions):
    """Um ``LightClient`` depois do handshake, do outro lado de um socketpair (o "servidor")."""
    import re
    import socket

    from helpers.protocols.handshake import accept_key

    mine, server = socket.socketpair()
    mine.setblocking(False)
    client = loadgen.LightClient(mine, "127.0.0.1", 1, "/", sink, compression=True)
    key = re.search(rb"Sec-WebSocket-Key: (\S+)", server.recv(4096)).group(1).decode()
    server.sendall(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
                   f"Sec-WebSocket-Extensions: {extensions}\r\n\r\n".encode())
    client.readable(0)
    assert client.state == "open"
    return client, server


def _deflated_alone(text):
    """Um frame TEXT comprimido do zero, como o servidor sem context takeover o manda a todos."""
    packer = zlib.compressobj(wbits=-15)
    data = packer.compress(text.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
    return encode_frame(Frame(1, data[:-4], True, 0b100, None), check=False)


def test_clients_of_a_process_read_each_shared_frame_once_and_still_time_every_arrival():
    sink = loadgen._Sink()
    pairs = [_connected(sink, "permessage-deflate; server_no_context_takeover") for _ in range(3)]
    frames = [_deflated_alone('{"text": "T=100"}'), _deflated_alone('{"type": "history", "T=1"}'),
              _deflated_alone('{"text": "T=300"}')]
    for k, frame in enumerate(frames):
        for client, server in pairs:
            server.sendall(frame)
            client.readable(1000 + k)
    assert sink.delays == [900] * 3 + [702] * 3 and sink.frames == 9
    assert sink.known == {frames[0]: 100, frames[1]: None, frames[2]: 300}
    client, server = pairs[0]
    server.sendall(encode_frame(Frame.ping(b"oi"), check=False))    # o que não é texto segue o caminho normal
    client.readable(2000)
    assert server.recv(100)[:1] == b"\x8a" and sink.frames == 9


def test_with_context_takeover_each_client_inflates_its_own_stream():
    sink = loadgen._Sink()
    client, server = _connected(sink, "permessage-deflate")
    assert client.known is None
    for k, frame in enumerate(_deflate_frames(['{"text": "T=5"}', '{"text": "T=5"}'])):
        server.sendall(frame)
        client.readable(10 + k)
    assert sink.delays == [5, 6] and sink.known == {}


def test_readme_states_the_classroom_capacity_that_the_committed_benchmark_measured():
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    report = (root / "docs" / "benchmark.md").read_text(encoding="utf-8")
    measured = int(re.search(r"\| capacidade da sala de aula [^|]*\| (\d+) alunos \|", report).group(1))
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"**{measured:,} alunos**".replace(",", ".") in readme, \
        f"docs/benchmark.md mediu {measured} alunos: atualize a seção da sala de aula do README"


def test_the_suite_row_runs_the_readme_command_and_reports_time_cpu_and_summary(monkeypatch):
    import subprocess
    import types

    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        rc = 0 if len(calls) == 1 else 1
        return subprocess.CompletedProcess(cmd, rc, stdout="....\n==== 10 passed, 1 skipped in 3.20s (0:00:03) ====\n")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert bench.rows_suite(types.SimpleNamespace(testar=False)) == [] and calls == []
    [row] = bench.rows_suite(types.SimpleNamespace(testar=True))
    assert calls[0][-2:] == [str(bench.ROOT / "curso.py"), "testar"]
    assert "10 passaram, 1 pulados" in row.result and row.ok is True
    [row] = bench.rows_suite(types.SimpleNamespace(testar=True))
    assert row.ok is False and "A suíte falhou (código 1)" in row.why


def test_the_suite_cpu_is_split_by_kind_of_process():
    assert bench.kind_of("/usr/lib/chromium/chromium --type=renderer") == "Chromium"
    assert bench.kind_of(".venv/bin/python -m ipykernel_launcher -f k.json") == "kernels"
    assert bench.kind_of(".venv/bin/python -m jupyterlab --no-browser") == "Jupyter"
    assert bench.kind_of("python -u -c import sys;exec(eval(sys.stdin.readline()))") == "pytest"
    assert bench.kind_of("python -m helpers.chat --port 0") == "outros"
    kinds = {(1, 0.0): "Chromium", (2, 0.0): "kernels", (3, 5.0): "Chromium"}
    # o 1 já existia (conta só o que gastou depois), o 3 nasceu durante a suíte (conta tudo)
    assert bench.cpu_by_kind({(1, 0.0): 10.0, (2, 0.0): 1.0}, {(1, 0.0): 14.0, (2, 0.0): 3.0, (3, 5.0): 2.5},
                             kinds) == {"Chromium": 6.5, "kernels": 2.0}


def test_the_sampler_sees_a_process_nobody_waits_for_while_it_runs():
    import subprocess
    import sys

    burn = ("import sys, time\nsum(i * i for i in range(3_000_000))\n"
            "print(time.process_time(), flush=True)\nsys.stdin.read()\n")
    with bench.CpuSampler(every=3600) as sampler:  # só a primeira e a última amostra
        child = subprocess.Popen([sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        spent = float(child.stdout.readline())  # o laço terminou; o processo segue vivo até o fim do with
    child.communicate("")
    # /proc conta em tiques de 10 ms; process_time, no relógio fino: folga de alguns tiques
    assert sampler.totals().get("outros", 0) >= spent - 0.05 > 0
