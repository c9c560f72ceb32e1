"""A calculadora de custo: fórmulas puras, formatação brasileira e o widget que só as mostra."""

import math

import pytest

from helpers.widgets.costcalc import (
    PRESETS,
    CostCalculator,
    average_delay,
    bytes_per_minute,
    format_bytes,
    format_number,
    requests_per_day,
    requests_per_minute,
    requests_per_second,
    summary_rows,
    worst_delay,
)


def test_the_chapter_03_example_is_180_requests_per_minute():
    assert requests_per_minute(3, 1) == 180
    assert requests_per_minute(3, 2) == 90  # o setInterval de 2000 ms do capítulo 03


def test_hpbns_example_is_about_167_requests_per_second():
    assert math.isclose(requests_per_second(10_000, 60), 166.67, rel_tol=1e-3)
    assert requests_per_day(10_000, 60) == 14_400_000


def test_bytes_per_minute_multiplies_requests_by_bytes_per_poll():
    assert bytes_per_minute(3, 1, 800) == 144_000


def test_average_delay_is_half_the_interval_and_the_worst_is_a_whole_one():
    assert (average_delay(60), worst_delay(60)) == (30, 60)


@pytest.mark.parametrize("call", [
    lambda: requests_per_minute(3, 0),
    lambda: requests_per_minute(-1, 1),
    lambda: bytes_per_minute(3, 1, -5),
    lambda: average_delay(0),
])
def test_impossible_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_numbers_are_written_the_brazilian_way():
    assert format_number(14_400_000) == "14.400.000"
    assert format_number(166.666, 1) == "166,7"
    assert format_bytes(144_000) == "144,0 kB"
    assert format_bytes(8_000_000) == "8,0 MB"
    assert format_bytes(512) == "512 B"


def test_summary_rows_for_the_hpbn_example():
    rows = dict(summary_rows(10_000, 60, 800))
    assert rows["requisições por segundo"] == "166,7"
    assert rows["requisições por minuto"] == "10.000"
    assert rows["atraso médio para ver uma mensagem"] == "30 s"
    assert rows["pior atraso"] == "60 s"


def test_the_widget_starts_with_the_chapter_03_example_and_has_a_stable_repr():
    calc = CostCalculator()
    assert (calc.clients.value, calc.interval.value) == (3, 1.0)
    assert repr(calc) == "CostCalculator(clientes=3, intervalo=1 s, header=800 B → 180 req/min)"
    text = calc._repr_mimebundle_()["text/plain"]
    assert "0x" not in text and "…" not in text
    assert "180" in calc.result.value and "144,0 kB" in calc.result.value


def test_choosing_a_preset_fills_the_controls_and_the_table():
    calc = CostCalculator()
    calc.presets.value = 1
    assert (calc.clients.value, calc.interval.value) == (10_000, 60.0)
    assert "166,7" in calc.result.value
    assert repr(calc) == "CostCalculator(clientes=10000, intervalo=60 s, header=800 B → 10.000 req/min)"


def test_moving_a_control_updates_the_table_and_leaves_the_preset():
    calc = CostCalculator(PRESETS[0])
    calc.interval.value = 2.0
    assert calc.presets.value is None
    assert dict(calc.rows())["requisições por minuto"] == "90"
    assert ">90<" in calc.result.value


def test_table_text_is_escaped_html():
    calc = CostCalculator()
    assert "<script" not in calc.result.value and calc.result.value.startswith("<table")


def test_the_summary_line_carries_the_numbers_of_the_table():
    calc = CostCalculator()
    assert calc.summary() == ("3 clientes a cada 1 s: 180 requisições por minuto, 144,0 kB de header "
                              "por minuto, atraso médio 0,5 s (pior 1 s)")
    calc.presets.value = 1
    assert calc.summary().startswith("10.000 clientes a cada 60 s: 10.000 requisições por minuto")
