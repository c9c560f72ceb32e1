"""O painel da turma (``helpers.chat.painel``): o modelo sem rede, e o servidor contando de verdade.

O relógio é injetado (``Clock``): os testes andam o tempo, nada espera por ele. Todos os nomes
têm "painel" para ``pytest -k painel`` selecioná-los.
"""

import json
import logging

import aiohttp
import pytest
from websockets.asyncio.client import connect

from helpers.chat.painel import (RoomStats, chart_svg, close_reason, diagram_messages, diagram_svg,
                                 panel_json, panel_state, percentile, summary)
from helpers.chat.server import ChatServer
from support import quiet_logger, wait_until  # noqa: E402


class Clock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def scripted_room(clock: Clock) -> RoomStats:
    """Uma sala de roteiro: 3 entram, 10 mensagens em 10 s para 3, uma sai por batimento."""
    stats = RoomStats(clock)
    for nick in ("Ana", "Bruno", "Carla"):
        stats.joined(nick)
    for k in range(10):
        clock.t += 1
        stats.received(50)
        read = clock.t
        clock.t += 0.002 if k < 9 else 0.020  # a última demorou 20 ms no servidor
        stats.sent(3, 100)
        stats.delivered(read)
        stats.event("Ana", "servidor", f"send #{k + 1}")
        stats.event("servidor", "turma", f"message #{k + 1} ×3")
    stats.left("Carla", "batimento")
    return stats


def test_painel_rates_are_sums_over_the_window_divided_by_its_length():
    clock = Clock()
    stats = scripted_room(clock)
    state = panel_state(stats.snapshot(2), window=10)
    assert state.connected == 2
    assert state.msgs_in == pytest.approx(1.0)  # 10 mensagens em 10 s
    assert state.msgs_out == pytest.approx(3.0)  # cada uma para 3
    assert state.bytes_out == pytest.approx(300.0)  # 10 × 3 cópias × 100 bytes, em 10 s
    assert (state.joins, state.leaves) == (3, 1)  # baldes de 1 s: o do começo ainda entra
    assert state.totals["joins"] == 3


def test_painel_window_shorter_than_uptime_uses_uptime():
    clock = Clock()
    stats = RoomStats(clock)
    clock.t += 2
    stats.received(10)
    assert panel_state(stats.snapshot(0), window=10).msgs_in == pytest.approx(0.5)


def test_painel_percentiles_use_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(list(range(1, 101)), 99) == 99
    state = panel_state(scripted_room(Clock()).snapshot(2), window=10)
    assert state.p50_ms == pytest.approx(2.0)
    assert state.p99_ms == pytest.approx(20.0)
    assert state.delay_samples == 10


def test_painel_old_delays_and_events_leave_the_window():
    clock = Clock()
    stats = scripted_room(clock)
    clock.t += 60
    state = panel_state(stats.snapshot(2), window=10)
    assert state.p50_ms is None and state.msgs_in == 0 and state.events == []
    assert "atraso p50 –" in summary(state)


def test_painel_memory_is_bounded():
    clock = Clock()
    stats = RoomStats(clock, window=5, delays=8, events=4)
    for _ in range(1000):
        clock.t += 0.1
        stats.received(1)
        stats.delivered(clock.t)
        stats.event("a", "servidor", "send")
    assert len(stats.buckets) == 5 and len(stats.delays) == 8 and len(stats.events) == 4
    assert stats.totals[1] == 1000


def test_painel_slowest_clients_sorted_by_buffer_then_rtt():
    clients = [{"nick": "a", "buffer": 0, "rtt": 0.001}, {"nick": "b", "buffer": 9000, "rtt": None},
               {"nick": "c", "buffer": 0, "rtt": 0.300}]
    state = panel_state(RoomStats(Clock()).snapshot(3, clients), slowest=2)
    assert [c["nick"] for c in state.slowest] == ["b", "c"]


def test_painel_close_reasons_follow_rfc6455_codes():
    assert close_reason(None, 1000) == "saiu"
    assert close_reason(1000, 1000) == "saiu"
    assert close_reason(1013, None) == "lento"
    assert close_reason(1011, None) == "batimento"
    assert close_reason(1008, None) == "politica"
    assert close_reason(None, None) == "caiu"
    assert close_reason(None, 4000) == "outro"


def test_painel_summary_is_one_line_with_decimal_commas():
    state = panel_state(scripted_room(Clock()).snapshot(2), window=10)
    text = summary(state)
    assert "\n" not in text
    assert text.startswith("2 conectados")
    assert "1 msg/s chegando, 3 msg/s saindo" in text
    assert "p50 2,0 ms, p99 20,0 ms" in text
    assert "fechados 1" in text


def test_painel_diagram_groups_a_big_room_in_a_few_lanes():
    clock = Clock()
    stats = RoomStats(clock)
    for k in range(8):
        clock.t += 0.1
        stats.event(f"aluno{k}", "servidor", f"send #{k}")
        stats.event("servidor", "turma", f"message #{k} ×50")
    lanes, messages = diagram_messages(panel_state(stats.snapshot(50)), senders=3)
    assert lanes == ["aluno5", "aluno6", "aluno7", "outros", "servidor", "turma"]
    assert messages[0] == {"src": "outros", "dst": "servidor", "label": "send #0", "kind": "msg"}
    assert messages[-1]["dst"] == "turma"


def test_painel_drawings_escape_nicknames():
    clock = Clock()
    stats = RoomStats(clock)
    stats.joined("<script>x</script>")
    state = panel_state(stats.snapshot(1))
    assert "<script>" not in diagram_svg(state) and "&lt;script&gt;" in diagram_svg(state)
    assert chart_svg(state).startswith("<svg")
    data = panel_json(state)
    json.dumps(data)
    assert data["summary"] == summary(state)


@pytest.fixture
async def painel_chat(tmp_path, reg):
    return await reg.start("chat", ChatServer(tmp_path / "chat.sqlite3", token="turma", instructor_token="prof",
                                              logger=quiet_logger("teste.painel")))


async def test_painel_server_counts_a_real_room(painel_chat):
    chat = painel_chat
    conns = []
    for k in range(4):
        ws = await connect(chat.url)
        conns.append(ws)
        await ws.send(json.dumps({"action": "join", "nick": f"a{k}", "token": "turma"}))
    await wait_until(lambda: len(chat.online) == 4)
    await conns[0].send(json.dumps({"action": "send", "text": "oi"}))
    await wait_until(lambda: chat.stats.totals[3] >= 4 + 6 + 1 * 4)  # welcomes, presenças, a mensagem
    conns[1].transport.abort()  # cai sem CLOSE
    await conns[2].close()
    await wait_until(lambda: len(chat.online) == 2)
    state = panel_state(chat.painel_snapshot())
    assert state.connected == 2
    assert state.totals["joins"] == 4 and state.totals["leaves"] == 2
    assert state.closed == {"caiu": 1, "saiu": 1}
    assert state.delay_samples == 1 and state.p50_ms is not None
    assert {"src": "a0", "dst": "servidor", "label": "send #1"}.items() <= state.events[-5].items() or any(
        e["label"] == "send #1" and e["src"] == "a0" for e in state.events)
    assert {c["nick"] for c in state.slowest} == {"a0", "a3"}
    for ws in conns:
        await ws.close()


async def test_painel_json_needs_the_instructor_token(painel_chat):
    url = painel_chat.page_url + "painel.json"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer turma"}, {"Authorization": "Bearer "},
                        {"Authorization": "Basic prof"}):
            async with http.get(url, headers=headers) as r:
                assert r.status == 403, headers
                assert "token do professor" in await r.text()
        async with http.get(url, headers={"Authorization": "Bearer prof"}) as r:
            assert r.status == 200
            assert r.headers["Cache-Control"] == "no-store"
            data = await r.json()
        assert data["connected"] == 0 and "diagram" in data
        secretless = f"http://127.0.0.1:{painel_chat.port}/painel.json"
        async with http.get(secretless, headers={"Authorization": "Bearer prof"}) as r:
            assert r.status == 403  # sem o segredo do caminho, nem o professor
        async with http.get(painel_chat.page_url + "painel") as r:
            assert r.status == 200 and "Painel da turma" in await r.text()


async def test_painel_is_closed_without_an_instructor_token(tmp_path):
    chat = ChatServer(logger=logging.getLogger("teste.painel"))
    await chat.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(chat.page_url + "painel.json", headers={"Authorization": "Bearer "}) as r:
                assert r.status == 403
    finally:
        await chat.close()


def test_painel_widget_shows_numbers_and_has_a_stable_repr():
    from helpers.chat.painel import Painel

    class FakeChat:
        def painel_snapshot(self):
            return scripted_room(Clock()).snapshot(2)

    painel = Painel(FakeChat())
    assert "ainda sem foto" in painel.svg
    state = painel.refresh()
    assert state.connected == 2
    assert summary(state) in painel.svg and "<svg" in painel.svg
    assert repr(painel) == "Painel(chat deste kernel, janela de 10 s)"
    with pytest.raises(ValueError):
        Painel()


async def test_painel_widget_reads_the_page_json_with_the_token(painel_chat):
    from helpers.chat.painel import Painel

    remote = Painel(url=painel_chat.page_url + "painel.json", token="prof")
    assert (await remote.fetch()).connected == 0
    with pytest.raises(PermissionError):
        await Painel(url=painel_chat.page_url + "painel.json", token="turma").fetch()


def test_painel_counter_cost_is_measured_per_message():
    from helpers.chat.painel import counter_cost

    cost = counter_cost(messages=500)
    assert cost.messages == 500
    assert cost.counters_ns > 0 and cost.encode_ns > 0  # só a forma: o número depende da máquina


def test_painel_bench_row_compares_counters_with_json_encoding():
    from helpers.tools.bench import rows_painel

    rows = rows_painel(None, messages=500)
    assert len(rows) == 1 and "contadores do painel" in rows[0].measure
    assert rows[0].ok in (True, False)
