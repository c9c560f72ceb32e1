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
