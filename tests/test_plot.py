"""Gráficos do curso (matplotlib): paleta para daltônicos, séries distintas além da cor, vírgula
decimal, saída estável para o nbval, e a tabela com repr estável."""

import io
import re

import matplotlib.colors as mcolors
import pytest

from helpers.widgets import plot
from helpers.core import numbers
from helpers.widgets.plot import Table, format_number, table_html

# pares de cores da paleta que um daltônico (deuteranopia, protanopia) confunde: nenhum
RED_GREEN = {"#d62728", "#2ca02c", "#c0392b", "#27ae60"}


def charts():
    return {
        "line": plot.line({"p50": [(10, 1.0), (50, 2.5)], "p99": [(10, 3.0), (50, 9.0)]},
                          title="Atraso", x_label="clientes", y_label="ms"),
        "bars": plot.bars({"polling": {"p50": 50.0, "p95": 100.0}, "SSE": {"p50": 4.0, "p95": 6.0}},
                          title="Atraso", y_label="ms", log=True),
        "hbars": plot.hbars({"sem compressão": 14.0, "com deflate": 64.0}, title="Memória", unit="KiB"),
        "histogram": plot.histogram({"a": [1e-5, 2e-5, 3e-5], "b": [1e-4, 2e-4]}, title="Latência"),
        "linear": plot.histogram({"a": [0.1, 0.2]}, title="Linear", log_x=False, scale=1, unit="s",
                                 normalize=False),
        "steps": plot.steps({"x": [(0, 3), (1, 3), (2, 0)], "y": [(0, 3), (2, 3)]}, title="Degraus",
                            x_label="s", y_label="n"),
        "timeline": plot.timeline({"cliente": [0.0, 0.1], "servidor": [0.05, 0.2]}, title="<t>"),
    }


def test_charts_write_numbers_like_the_text_around_them():
    assert format_number is numbers.short  # uma casa só para números em português
    assert plot._tick(3400) == "3.400" and plot._tick(1.75) == "1,75"


def test_axis_ticks_are_exact_and_use_a_decimal_comma():
    fig = plot.steps({"a": [(0, 1), (1.75, 2)]}, title="t")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "1,75" in labels and not any("." in s for s in labels)


def test_every_chart_is_a_matplotlib_figure_whose_text_names_it():
    from matplotlib.figure import Figure

    for name, fig in charts().items():
        assert isinstance(fig, Figure)
        assert re.fullmatch(r"Gráfico: .+", repr(fig)), name  # o texto que o nbval compara
        png = io.BytesIO()
        fig.savefig(png, format="png")
        assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_charts_are_not_left_open_in_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts()
    assert plt.get_fignums() == before  # senão o Jupyter mostraria cada uma duas vezes


def test_palette_is_colour_blind_safe_and_series_differ_by_more_than_colour():
    assert not {c.lower() for c in plot.PALETTE} & RED_GREEN
    c = charts()
    lines = [ln for ln in c["line"].axes[0].get_lines()]
    assert len({ln.get_marker() for ln in lines}) == 2 and len({ln.get_linestyle() for ln in lines}) == 2
    hatches = {p.get_hatch() for p in c["bars"].axes[0].patches}
    assert len(hatches) == 2
    steps = c["histogram"].axes[0].patches
    assert len({p.get_linestyle() for p in steps if p.get_fill() is False}) == 2
    for fig in c.values():
        ax = fig.axes[0]
        for artist in [*ax.get_lines(), *ax.patches]:
            color = artist.get_edgecolor() if hasattr(artist, "get_edgecolor") else artist.get_color()
            assert mcolors.to_hex(color).lower() not in RED_GREEN


def test_legends_name_every_series():
    c = charts()
    for name in ("line", "bars", "histogram", "steps"):
        legend = c[name].axes[0].get_legend()
        assert legend is not None and len(legend.get_texts()) == 2, name
    assert [t.get_text() for t in c["timeline"].axes[0].get_yticklabels()] == ["cliente", "servidor"]


def test_svg_output_is_deterministic_when_someone_saves_it():
    def svg() -> str:
        out = io.StringIO()
        with plot.plt.style.context(plot.STYLE):
            plot.line({"p50": [(1, 2)]}, title="t").savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()

    assert svg() == svg()


def test_styles_do_not_leak_into_the_global_matplotlib_settings():
    import matplotlib as mpl

    before = mpl.rcParams["axes.prop_cycle"]
    charts()
    assert mpl.rcParams["axes.prop_cycle"] == before


def test_empty_series_still_draw():
    plot.line({}, title="vazio")
    plot.bars({}, title="vazio")
    plot.histogram({"a": []}, title="vazio")


def test_table_escapes_text_and_formats_numbers():
    html = table_html(["técnica", "p50"], [["<SSE>", 4.25]])
    assert "&lt;SSE&gt;" in html and '<td class="num">4,2</td>' in html


def test_table_has_a_stable_repr_without_measured_numbers():
    table = Table(["técnica", "p50"], [["SSE", 4.2], ["WebSocket", 3.9]])
    assert repr(table) == "Table(colunas=['técnica', 'p50'], linhas=['SSE', 'WebSocket'])"
    assert "4,2" not in repr(table) and "4,2" in table.svg


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_table_shows_a_dash_for_missing_numbers(value):
    assert '<td class="num">–</td>' in table_html(["a"], [[value]])
