"""As quatro técnicas lado a lado: o formato SSE, o percentil e uma rodada pequena de verdade."""

import asyncio

import aiohttp
import pytest

from helpers.core.lifecycle import HttpServer, Registry
from helpers.scale.techniques import (
    TECHNIQUES,
    TechniqueServer,
    calm_schedule,
    create_server_app,
    parse_sse,
    percentile,
    run_all,
    run_calm_room,
    run_technique,
)


def test_sse_parser_splits_complete_events_and_keeps_the_rest():
    events, rest = parse_sse('id: 1\ndata: {"a": 1}\n\nid: 2\ndata: x\ndata: y\n\nid: 3\nda')
    assert events == [{"id": "1", "data": '{"a": 1}'}, {"id": "2", "data": "x\ny"}]
    assert rest == "id: 3\nda"


def test_sse_parser_ignores_comments_and_accepts_crlf_and_no_space():
    events, rest = parse_sse(": ping\r\n\r\ndata:sem espaço\r\n\r\n")
    assert events == [{"data": "sem espaço"}] and rest == ""


def test_percentile_is_nearest_rank():
    values = [5, 1, 4, 2, 3]
    assert [percentile(values, p) for p in (1, 20, 50, 99, 100)] == [1, 1, 3, 5, 5]
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([], 50) != percentile([], 50)  # nan


async def test_sse_endpoint_streams_each_new_message_as_an_event(reg):
    server = await reg.start("sse", HttpServer(create_server_app()))
    async with aiohttp.ClientSession(server.url) as session:
        async with session.get("/sse", params={"since": 0}) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            for text in ("um", "dois"):
                async with session.post("/mensagens", json={"de": "Ana", "texto": text}) as r:
                    assert r.status == 201
            buffer, events = "", []
            while len(events) < 2:
                chunk = await stream.content.readany()
                found, buffer = parse_sse(buffer + chunk.decode())
                events += found
    assert [e["id"] for e in events] == ["1", "2"]
    assert '"texto": "dois"' in events[1]["data"]


@pytest.fixture
async def technique_server():
    reg = Registry()
    server = await reg.start("tecnicas", TechniqueServer())
    yield server, reg
    await reg.stop_all()


async def test_small_workload_delivers_everything_with_each_technique(technique_server):
    server, reg = technique_server
    seen = []
    results = await run_all(server, progress=lambda i, name: seen.append(name), registry=reg,
                            clients=3, messages=5, gap=0.01, interval=0.05, timeout=10)
    assert seen == [*TECHNIQUES, "pronto"]
    for name, result in results.items():
        assert (result.delivered, result.expected) == (15, 15), name
        assert result.bytes > 0 and result.p50 <= result.p95
    assert results["SSE"].requests == results["WebSocket"].requests == 3  # uma por cliente
    assert results["long polling"].requests >= 3
    assert "técnicas-tap" not in reg


async def test_unknown_technique_is_refused(technique_server):
    server, reg = technique_server
    with pytest.raises(ExceptionGroup) as info:
        await run_technique(server, "pombo-correio", clients=1, messages=1, registry=reg)
    assert "técnica desconhecida" in str(info.value.exceptions[0])


async def _read_sse(stream, until, limit: int = 200) -> tuple[list[dict], str]:
    """Lê o fluxo até ``until(texto_lido)``; devolve os eventos e o texto cru (comentários incluídos)."""
    raw = ""
    async for chunk in stream.content.iter_any():
        raw += chunk.decode()
        if until(raw) or len(raw) > 100_000:
            break
    events, _ = parse_sse(raw)
    return events, raw


async def test_sse_sends_retry_first_and_a_heartbeat_comment_when_quiet():
    reg = Registry()
    server = await reg.start("sse", HttpServer(create_server_app(sse_retry_ms=1500, sse_heartbeat_s=0.5)))
    try:
        async with aiohttp.ClientSession(server.url) as session:
            async with session.get("/sse") as stream:
                _, raw = await asyncio.wait_for(_read_sse(stream, lambda t: ": ainda aqui" in t), 30)
        assert raw.startswith("retry: 1500\n\n")
    finally:
        await reg.stop_all()


async def test_sse_reconnection_resumes_from_last_event_id_not_from_the_url():
    """O EventSource reconecta na MESMA URL (``?since=0``) e manda ``Last-Event-ID``: o servidor
    tem de seguir o header, senão o navegador recebe tudo de novo."""
    reg = Registry()
    server = await reg.start("sse", HttpServer(create_server_app()))
    try:
        async with aiohttp.ClientSession(server.url) as session:
            for i in range(1, 6):
                async with session.post("/mensagens", json={"de": "Ana", "texto": f"m{i}"}) as r:
                    assert r.status == 201
            headers = {"Last-Event-ID": "3"}
            async with session.get("/sse", params={"since": 0}, headers=headers) as stream:
                events, _ = await asyncio.wait_for(_read_sse(stream, lambda t: "id: 5" in t), 30)
            assert [e["id"] for e in events] == ["4", "5"]
            async with session.get("/sse", headers={"Last-Event-ID": "três"}) as bad:
                assert bad.status == 400 and "since deve ser um número" in await bad.text()
    finally:
        await reg.stop_all()


def test_calm_schedule_has_thirty_polls_per_message_and_a_ping_every_twenty_seconds():
    events = calm_schedule(minutes=10, message_every=60, poll_every=2, ping_every=20)
    kinds = [kind for _, kind in events]
    assert (kinds.count("pergunta"), kinds.count("mensagem"), kinds.count("ping")) == (300, 10, 29)
    assert [t for t, _ in events] == sorted(t for t, _ in events)
    assert [t for t, kind in events if kind == "mensagem"][:2] == [1, 61]  # entre duas perguntas


def test_calm_schedule_without_pings():
    assert all(kind != "ping" for _, kind in calm_schedule(minutes=1, ping_every=0))


async def test_calm_room_counts_real_bytes_and_both_clients_get_every_message(technique_server):
    server, reg = technique_server
    room = await run_calm_room(server, minutes=2, registry=reg)
    assert (room.messages, room.polls, room.empty_polls, room.pings) == (2, 60, 58, 5)
    assert room.polling_delivered == room.websocket_delivered == 2
    # cada pergunta vazia custa uma requisição e uma resposta inteiras; o WebSocket, um frame
    assert room.polling_bytes > 60 * 150 and 0 < room.websocket_bytes < 2000
    assert room.ratio > 10
    assert "calma-tap-polling" not in reg and "calma-tap-ws" not in reg


def test_summary_prints_one_line_per_technique_with_the_table_numbers():
    from helpers.scale.techniques import Result, summary

    text = summary({"SSE": Result("SSE", 100, 100, 0.004, 0.009, 10, 7900, 0.05)})
    assert text == ("SSE: 100 entregues, p50 4 ms, p95 9 ms, 0,10 req/msg, 79 B/msg, "
                    "CPU do servidor 0,50 ms/msg")
