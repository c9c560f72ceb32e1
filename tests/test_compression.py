"""permessage-deflate medido (helpers.experiments.compression): memória por conexão e taxa.

Sem rede e sem relógio: protocolos Sans-I/O do websockets e ``tracemalloc``. Nenhuma asserção
depende da velocidade da máquina.
"""

import json
import pathlib

import pytest

from helpers.experiments import compression as c

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_zlib_estimate_follows_zconf_h():
    # deflate: (1 << (wb + 2)) + (1 << (ml + 9)); inflate: 1 << wb
    assert c.zlib_estimate(15, 8) == 128 * 1024 + 128 * 1024 + 32 * 1024
    assert c.zlib_estimate(12, 5) == 16 * 1024 + 16 * 1024 + 4 * 1024
    assert c.zlib_estimate(12, 5, takeover=False) == 4 * 1024  # só a janela do descompressor
    assert c.zlib_estimate(12, 5, takeover=False, client_takeover=False) == 0


def test_the_websockets_default_costs_about_the_documented_50_kib_on_top_of_a_plain_connection():
    row = c.measure(*c.WEBSOCKETS_DEFAULT, connections=5)
    assert row.estimate_kib == 36
    assert row.estimate_kib < row.kib_per_connection < row.estimate_kib + 30  # + as estruturas fixas
    assert row.ratio < 0.5 and row.history_ratio < 0.5


def test_without_server_context_takeover_an_idle_connection_keeps_only_the_decompressor():
    row = c.measure(*c.PROXIED, connections=5)  # quem chega pelo jupyter-server-proxy
    assert not row.takeover and row.client_takeover
    assert 4 < row.kib_per_connection < 16  # janela de 4 KiB + ≈ 7 KiB de estrutura do inflate
    assert row.history_ratio < 0.3  # a página de histórico ainda encolhe bem
    assert row.ratio > c.measure(*c.WEBSOCKETS_DEFAULT, connections=2).ratio  # as pequenas, menos


def test_the_course_default_keeps_no_zlib_state_after_a_message_each_way():
    row = c.measure(*c.DEFAULT, connections=5)
    assert not row.takeover and not row.client_takeover
    assert row.kib_per_connection < 2  # só os objetos Python da extensão
    assert row.history_ratio < 0.3


def test_a_bigger_window_costs_more_memory_and_never_compresses_worse():
    small, big = c.measure(9, 1, connections=5), c.measure(13, 6, connections=5)
    assert big.kib_per_connection > small.kib_per_connection + 40
    assert big.ratio <= small.ratio


def test_out_of_range_settings_are_refused():
    with pytest.raises(ValueError):
        c.measure(8, 5)
    with pytest.raises(ValueError):
        c.measure(12, 10)


def test_best_picks_the_strongest_compression_within_the_budget():
    rows = [c.CompressionRow(9, 1, True, 24.0, 3.5, 0.45, 0.4),
            c.CompressionRow(11, 1, True, 32.0, 11, 0.25, 0.2),
            c.CompressionRow(12, 5, True, 56.0, 36, 0.22, 0.16)]
    assert c.best(rows, 40).window_bits == 11
    assert c.best(rows, 20) is None


def test_the_chat_messages_are_real_chat_events_and_do_not_repeat():
    events = [json.loads(m) for m in c.CHAT_MESSAGES]
    assert {e["type"] for e in events} == {"message"}
    assert len({e["text"] for e in events}) > 0.9 * len(events)


def test_the_committed_table_covers_the_whole_grid_and_reads_back():
    rows = c.from_json((ROOT / c.DATA_FILE).read_text(encoding="utf-8"))
    grid = {(r.window_bits, r.mem_level, r.takeover) for r in rows}
    assert grid == {(wb, ml, t) for wb in range(9, 16) for ml in range(1, 10) for t in (True, False)}
    assert c.from_json(c.to_json(rows[:3])) == rows[:3]


def test_the_course_servers_negotiate_deflate_without_context_takeover():
    from websockets.client import ClientProtocol
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
    from websockets.server import ServerProtocol
    from websockets.uri import parse_uri

    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), extensions=[ClientPerMessageDeflateFactory()])
    server = ServerProtocol(extensions=c.server_extensions())
    client.send_request(client.connect())
    server.receive_data(b"".join(client.data_to_send()))
    response = server.accept(server.events_received()[0])
    header = response.headers["Sec-WebSocket-Extensions"]
    assert "server_no_context_takeover" in header and "client_no_context_takeover" in header


async def test_the_bench_rows_name_the_goal_and_a_verdict():
    import argparse

    from helpers.tools.bench import rows_compression

    rows = await rows_compression(argparse.Namespace(conexoes_ociosas=10))  # fumaça: um canto da grade
    assert len(rows) == 3 and all(r.goal == "≤ 20 KiB" and r.ok in (True, False) for r in rows)
    assert rows[2].ok or "DEFLATE_SETTINGS" in rows[2].why  # cabe, ou diz onde olhar


def test_the_chat_server_uses_the_course_default():
    from helpers.chat.server import DEFLATE_SETTINGS as chat
    from helpers.core.deflate import DEFLATE_SETTINGS

    assert chat is DEFLATE_SETTINGS == c.settings(*c.DEFAULT)
    assert c.settings(*c.PROXIED) == {**DEFLATE_SETTINGS, "client_no_context_takeover": False}
