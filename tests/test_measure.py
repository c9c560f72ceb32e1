"""Medições: resumo estatístico, desenhos SVG bem formados, widgets com repr estável e o servidor
medido num subprocesso."""

import xml.etree.ElementTree as ET

from helpers.experiments.measure import (Figure, MeasuredServer, Progress, histogram_svg, lines_svg, open_idle,
                                         summary, timeline_svg)


def test_summary_gives_median_and_tail():
    s = summary([float(x) for x in range(1, 101)])
    assert s["median"] == 50.5 and s["p90"] == 91 and s["p99"] == 100 and s["mean"] == 50.5


def test_drawings_are_well_formed_svg():
    for svg in [
        histogram_svg({"a": [1e-5, 2e-5, 3e-5], "b": [1e-4, 2e-4]}, title="t"),
        histogram_svg({"a": [0.1, 0.2]}, title="linear", log_x=False, scale=1, unit="s"),
        lines_svg({"x": [(0, 3), (1, 3), (2, 0)], "y": [(0, 3), (2, 3)]}, title="t",
                  x_label="s", y_label="n"),
        timeline_svg({"cliente": [0.0, 0.1], "servidor": [0.05, 0.2]}, title="<t>"),
    ]:
        assert ET.fromstring(svg).tag.endswith("svg")


def test_widgets_have_stable_reprs():
    assert repr(Figure("<svg/>", "latência")) == "Figura: latência"
    p = Progress(10, "abrindo")
    p.value = 3
    assert repr(p) == "Progress('abrindo', total=10)"


async def test_the_measured_server_runs_apart_and_reports_its_memory_and_connections(reg):
    server = await reg.start("medido", MeasuredServer())
    conns = await open_idle(server.url, 3)
    assert server.rss() > 1_000_000
    assert server.established() == 3
    for c in conns:
        await c.close()


def test_axis_steps_are_round_numbers():
    from helpers.experiments.measure import _nice_step

    assert [_nice_step(x) for x in (1.25, 10, 0.9, 3)] == [0.25, 2, 0.2, 1]
