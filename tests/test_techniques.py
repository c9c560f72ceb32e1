"""As quatro técnicas lado a lado: o formato SSE, o percentil e uma rodada pequena de verdade."""

import aiohttp
import pytest

from helpers.lifecycle import HttpServer, Registry
from helpers.techniques import (
    TECHNIQUES,
    TechniqueServer,
    create_server_app,
    parse_sse,
    percentile,
    run_all,
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


async def test_sse_endpoint_streams_each_new_message_as_an_event():
    reg = Registry()
    server = await reg.start("sse", HttpServer(create_server_app()))
    try:
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
    finally:
        await reg.stop_all()


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
