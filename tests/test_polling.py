"""Medições do polling: relógio simulado, contador, atrasos, bytes; e a taxa de um polling real."""

import asyncio
import math

import aiohttp
from aiohttp.test_utils import make_mocked_request

from helpers.chat.httpapi import ChatRoom, create_app
from helpers.widgets.costcalc import requests_per_minute
from helpers.traffic.events import C2S, S2C, HttpRequest, HttpResponse
from helpers.core.lifecycle import HttpServer
from helpers.experiments.polling import (
    DeliveryLog,
    LatencyStats,
    PollTraffic,
    RequestCounter,
    SimClock,
    median,
    round_trips,
    within,
)

# --- o relógio --------------------------------------------------------------------------------


def test_sim_clock_converts_between_simulated_and_real_seconds():
    clock = SimClock(real_per_sim=0.05)
    assert clock.real(60) == 3.0
    assert clock.sim(3.0) == 60
    clock.t0 = 100.0
    assert clock.at(100.5) == 10.0
    assert repr(clock) == "SimClock(1 s simulado = 50 ms reais)"


def test_sim_clock_refuses_a_scale_that_is_not_positive():
    import pytest

    with pytest.raises(ValueError):
        SimClock(0)


async def test_sleeping_until_a_past_deadline_returns_at_once():
    clock = SimClock(0.05).start()
    clock.t0 -= 10  # o instante simulado 0 ficou 10 s reais para trás
    await asyncio.wait_for(clock.sleep_until(1), 1)
    assert clock.now() >= 200


# --- o contador de requisições ----------------------------------------------------------------


def test_counter_counts_requests_in_a_window_and_gives_a_rate_per_minute():
    counter = RequestCounter(SimClock())
    counter.arrivals += [(t, "GET", "/mensagens") for t in (0.0, 0.5, 1.0, 29.9, 30.0, 59.99)]
    counter.arrivals += [(10.0, "POST", "/mensagens"), (10.0, "GET", "/outra")]
    assert counter.count(start=0, end=30) == 4
    assert counter.count(method=None, path=None) == 8
    assert counter.per_minute(0, 60) == 6
    assert counter.per_minute(0, 30) == 8  # 4 em meio minuto


async def test_counter_middleware_records_each_request_and_passes_it_on():
    clock = SimClock()
    counter = RequestCounter(clock)
    seen = []

    async def handler(request):
        seen.append(request.path)
        return "resposta"

    result = await counter.middleware(make_mocked_request("GET", "/mensagens?since=3"), handler)
    assert result == "resposta" and seen == ["/mensagens"]
    assert [(m, p) for _, m, p in counter.arrivals] == [("GET", "/mensagens")]


# --- atrasos ----------------------------------------------------------------------------------


def test_delivery_latency_ignores_the_authors_own_copy_and_finds_missing_ones():
    log = DeliveryLog()
    log.sent(1, "Ana", 10.0, confirmed=10.1)
    log.sent(2, "Bruno", 20.0)
    log.received("Ana", 1, 10.2)  # a própria Ana: não conta
    log.received("Bruno", 1, 10.5)
    log.received("Bruno", 1, 11.0)  # repetida: vale a primeira
    log.received("Carla", 1, 11.0)
    log.received("Ana", 2, 20.25)
    assert sorted(log.latencies()) == [0.25, 0.5, 1.0]
    assert log.missing(["Ana", "Bruno", "Carla"]) == [("Carla", 2)]
    assert log.round_trips() == [10.1 - 10.0]
    stats = log.stats()
    assert (stats.count, stats.worst, stats.best, stats.median) == (3, 1.0, 0.25, 0.5)
    assert math.isclose(stats.mean, 1.75 / 3)


def test_stats_of_nothing_are_not_a_number():
    stats = LatencyStats.of([])
    assert stats.count == 0 and math.isnan(stats.mean) and math.isnan(stats.worst)
    assert math.isnan(median([]))


# --- bytes ------------------------------------------------------------------------------------


def req(conn, t, target="/mensagens?since=0", method="GET"):
    data = f"{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    return HttpRequest(conn, C2S, t, data, method=method, target=target, t_end=t)


def resp(conn, t, body=b"[]"):
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    return HttpResponse(conn, S2C, t, data, status=200, reason="OK", body=body, t_end=t + 0.001)


def test_poll_traffic_pairs_questions_with_answers_and_counts_the_empty_ones():
    events = [
        req(1, 0.0), resp(1, 0.01),
        req(2, 0.0), resp(2, 0.02, b'[{"id": 1}]'),
        req(1, 1.0), resp(1, 1.01),
        req(1, 2.0, "/mensagens", "POST"), resp(1, 2.01, b'{"id": 2}'),  # não é poll
    ]
    traffic = PollTraffic.from_events(events)
    assert (traffic.polls, traffic.empty) == (3, 2)
    assert traffic.content_bytes == 2 + 11 + 2
    assert traffic.request_bytes == 3 * len(events[0].data)
    assert traffic.total_bytes == traffic.request_bytes + traffic.response_bytes
    assert 0.8 < traffic.envelope_share < 1
    assert traffic.bytes_per_poll == traffic.total_bytes / 3


def test_round_trips_go_from_the_start_of_the_question_to_the_end_of_the_answer():
    trips = round_trips([req(1, 0.0), req(2, 0.5), resp(2, 0.7), resp(1, 0.9)])
    assert [round(t, 3) for t in trips] == [0.201, 0.901]


def test_within_a_relative_tolerance():
    assert within(171, 180, 0.05) and within(189, 180, 0.05)
    assert not within(170, 180, 0.05) and not within(190, 180, 0.05)


# --- o critério de pronto: um polling de verdade, curto ---------------------------------------


async def test_polling_on_absolute_deadlines_matches_clients_times_60_over_interval(reg):
    clock = SimClock(real_per_sim=0.01)  # 1 s simulado = 10 ms: 20 s simulados em 0,2 s
    counter = RequestCounter(clock)
    app = create_app(ChatRoom())
    app.middlewares.append(counter.middleware)
    server = await reg.start("chat", HttpServer(app))
    clients, interval, window = 3, 1.0, 20.0

    async def poll(phase):
        async with aiohttp.ClientSession(server.url) as session:
            for k in range(int(window / interval)):
                await clock.sleep_until(phase + k * interval)
                async with session.get("/mensagens", params={"since": 0}) as r:
                    await r.read()

    clock.start()
    async with asyncio.timeout(10):
        await asyncio.gather(*(poll(i / clients) for i in range(clients)))
    await reg.stop_all()  # antes das conferências abaixo
    expected = requests_per_minute(clients, interval)
    assert expected == 180
    # Prazos absolutos: cada cliente faz exatamente window/interval requisições, por mais lenta que
    # a máquina esteja (um prazo que já passou sai na hora); contamos todas, não só as que
    # chegaram antes do fim da janela (isso dependeria da velocidade da máquina).
    assert counter.count() == clients * int(window / interval)
    assert counter.count() * 60 / window == expected
