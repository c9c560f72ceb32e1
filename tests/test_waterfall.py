"""A cascata de tempos, sem navegador."""

import re

import pytest

from helpers.widgets.waterfall import Waterfall, format_duration, render_svg, steps_from_marks


def bars(svg):
    return re.findall(r'<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)


def test_steps_from_marks_chain_each_step_to_the_previous_one():
    assert steps_from_marks(10.0, [("DNS", 10.5), ("TCP", 11.0)]) == [
        {"name": "DNS", "start": 10.0, "end": 10.5}, {"name": "TCP", "start": 10.5, "end": 11.0}]


def test_bars_are_placed_on_a_shared_time_axis():
    svg = render_svg("t", [{"name": "a", "start": 5.0, "end": 6.0}, {"name": "b", "start": 6.0, "end": 7.0}])
    (x1, w1), (x2, w2) = [(float(x), float(w)) for x, w in bars(svg)]
    assert x1 == 170.0 and w1 == pytest.approx(w2) and x2 == pytest.approx(x1 + w1)


def test_parallel_steps_do_not_add_up_in_the_total():
    w = Waterfall([("HTML", 0, 0.1), ("CSS", 0.1, 0.3), ("JS", 0.1, 0.2)])
    assert w.total == pytest.approx(0.3)
    assert "total: 300 ms" in w.svg


@pytest.mark.parametrize("seconds, text", [
    (0.00085, "850 µs"), (0.0012, "1,2 ms"), (0.035, "35 ms"), (1.5, "1,50 s"), (0, "0 µs")])
def test_durations_are_written_the_brazilian_way(seconds, text):
    assert format_duration(seconds) == text


def test_changing_the_steps_redraws():
    w = Waterfall(title="x")
    assert bars(w.svg) == []
    w.add("DNS", 0.0, 0.1)
    w.steps = [*w.steps, ("TCP", 0.1, 0.2)]  # tuplas também valem
    assert len(bars(w.svg)) == 2 and w.durations() == pytest.approx({"DNS": 0.1, "TCP": 0.1})


def test_names_are_escaped():
    assert "<script>" not in render_svg("<b>", [{"name": "<script>", "start": 0, "end": 1}])


def test_an_empty_or_instant_waterfall_still_draws():
    assert render_svg("", []).startswith("<svg")
    assert "total: 0 µs" in render_svg("", [{"name": "a", "start": 1.0, "end": 1.0}])


def test_repr_is_stable_for_nbval():
    w = Waterfall([("DNS", 0, 1e-3)], title="Uma visita")
    assert repr(w) == "Waterfall(title='Uma visita', etapas=['DNS'])"
    assert "0x" not in w._repr_mimebundle_()[0]["text/plain"]


def test_axis_ticks_are_round_numbers():
    svg = render_svg("", [{"name": "a", "start": 0.0, "end": 0.016}])
    ticks = re.findall(r'font-size="11">([^<]+)</text>', svg)
    assert ticks == ["0", "5 ms", "10 ms", "15 ms"]


def test_the_summary_line_gives_the_total_and_each_duration():
    w = Waterfall([("HTML", 0, 0.1), ("CSS", 0.1, 0.3), ("JS", 0.1, 0.2)])
    assert w.summary() == "total 300 ms: HTML 100 ms · CSS 200 ms · JS 100 ms"
