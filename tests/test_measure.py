"""Medições: resumo estatístico, barra de progresso com repr estável e o servidor medido num
subprocesso. (Os gráficos das medidas estão em tests/test_plot.py.)"""

from helpers.core.lifecycle import Registry
from helpers.experiments.measure import MeasuredServer, Progress, open_idle, summary


def test_summary_gives_median_and_tail():
    s = summary([float(x) for x in range(1, 101)])
    assert s["median"] == 50.5 and s["p90"] == 91 and s["p99"] == 100 and s["mean"] == 50.5


def test_widgets_have_stable_reprs():
    p = Progress(10, "abrindo")
    p.value = 3
    assert repr(p) == "Progress('abrindo', total=10)"


async def test_the_measured_server_runs_apart_and_reports_its_memory_and_connections():
    reg = Registry()
    server = await reg.start("medido", MeasuredServer())
    try:
        conns = await open_idle(server.url, 3)
        assert server.rss() > 1_000_000
        assert server.established() == 3
        for c in conns:
            await c.close()
    finally:
        await reg.stop_all()


async def test_one_deflate_server_measures_both_variants_and_compression_costs_more():
    from helpers.experiments.measure import idle_kib

    reg = Registry()
    server = await reg.start("medido", MeasuredServer("deflate"))
    try:
        kib = await idle_kib(server, 30, {"sem": None, "com": "deflate"}, warmup=5)
        assert set(kib) == {"sem", "com"}
        assert kib["com"] > kib["sem"]  # o zlib de cada conexão (ordem de grandeza: dezenas de KiB)
    finally:
        await reg.stop_all()


def test_the_measured_server_script_imports_only_websockets():
    import pathlib

    text = (pathlib.Path(__file__).parent.parent / "helpers" / "experiments" / "echo_process.py").read_text()
    assert "helpers" not in "".join(l for l in text.splitlines() if l.startswith(("import", "from")))
