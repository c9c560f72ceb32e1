"""Gráficos SVG do curso: funções puras, marcas redondas, repr estável."""

from helpers.widgets.plot import Chart, Table, bars_svg, format_number, line_svg, nice_ticks, table_html


def test_numbers_use_decimal_comma_and_stay_short():
    assert format_number(0) == "0"
    assert format_number(1.5) == "1,5"
    assert format_number(2.0) == "2"
    assert format_number(12.4) == "12"
    assert format_number(3400) == "3 400"
    assert format_number(0.0234) == "0,023"


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 37) == [0, 10, 20, 30, 40]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    ticks = nice_ticks(10, 200)
    assert ticks[0] <= 10 and ticks[-1] >= 200


def test_degenerate_ranges_do_not_crash():
    assert nice_ticks(5, 5)
    assert line_svg("vazio", {}).startswith("<svg")
    assert bars_svg("vazio", {}).endswith("</svg>")


def test_line_chart_is_a_pure_function_with_one_point_per_value():
    series = {"p50": [(10, 1.0), (50, 2.5)], "p99": [(10, 3.0), (50, 9.0)]}
    svg = line_svg("Atraso", series, "clientes", "ms")
    assert svg == line_svg("Atraso", series, "clientes", "ms")
    assert svg.count("<circle") == 4 and svg.count("<polyline") == 2
    assert "p99: x=50, y=9" in svg and "clientes" in svg


def test_bar_chart_draws_one_bar_per_value_on_linear_and_log_scales():
    groups = {"polling": {"p50": 50.0, "p95": 100.0}, "SSE": {"p50": 4.0, "p95": 6.0}}
    for log in (False, True):
        svg = bars_svg("Atraso", groups, "ms", log=log)
        assert svg.count('class="bar"') == 4
        assert "polling · p95: 100" in svg
    assert ">1 000<" in bars_svg("x", {"a": {"v": 500.0}, "b": {"v": 5.0}}, log=True)


def test_table_escapes_text_and_formats_numbers():
    html = table_html(["técnica", "p50"], [["<SSE>", 4.25]])
    assert "&lt;SSE&gt;" in html and '<td class="num">4,2</td>' in html


def test_widgets_have_stable_reprs_without_measured_numbers():
    chart = Chart.line("Atraso", {"p50": [(1, 0.123456)]})
    assert repr(chart) == "Chart(title='Atraso', series=['p50'])"
    assert "<svg" in chart.svg
    table = Table(["técnica", "p50"], [["SSE", 4.2], ["WebSocket", 3.9]])
    assert repr(table) == "Table(colunas=['técnica', 'p50'], linhas=['SSE', 'WebSocket'])"
    assert "0,12" not in repr(chart) and "4,2" not in repr(table)
