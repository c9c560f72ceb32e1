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


# --- o relógio virtual: só anda quando todos esperam -------------------------------------------


async def test_virtual_clock_jumps_to_the_next_deadline_when_every_participant_waits():
    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    seen = []

    async def client(name, times):
        for t in times:
            await clock.sleep_until(t)
            seen.append((clock.now(), name))
            await asyncio.sleep(0)  # "trabalho" que leva tempo real: o relógio não anda

    assert await clock.run(client("a", [0, 1, 2]), client("b", [0.5, 1.5])) == [None, None]
    assert seen == [(0, "a"), (0.5, "b"), (1, "a"), (1.5, "b"), (2, "a")]
    assert not clock.running and clock.now() == 2


async def test_a_parked_participant_is_released_by_wake_at_the_same_instant_not_by_the_deadline():
    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    parked = []

    async def held():
        future = clock.park(deadline=30)
        parked.append(future)
        return await future, clock.now()

    async def publisher():
        await clock.sleep_until(2.2)
        clock.wake(parked[0])  # como o POST que solta a pergunta segurada

    async def expires():
        return await clock.park(deadline=5), clock.now()

    assert await clock.run(held(), publisher()) == [(False, 2.2), None]
    assert await clock.run(expires()) == [(True, 5)]  # ninguém acordou: o prazo venceu


async def test_waiting_parks_a_listener_until_its_frame_arrives_and_the_sender_keeps_time_still():
    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    inbox, got = asyncio.Queue(), []

    async def listener():  # como quem espera um frame: parado, o relógio pode andar
        for _ in range(2):
            got.append((await clock.waiting(inbox.get()), clock.now()))

    async def sender():
        for t in (1.5, 4.0):
            await clock.sleep_until(t)
            inbox.put_nowait(f"às {t}")
            delivered = len(got) + 1
            while len(got) < delivered:  # ativo até a entrega: o relógio não salta no meio
                await asyncio.sleep(0)

    await clock.run(listener(), sender(), timeout=5)
    assert got == [("às 1.5", 1.5), ("às 4.0", 4.0)]


async def test_virtual_clock_maps_real_instants_to_the_simulated_step_they_fell_in():
    import time

    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    marks = []

    async def client():
        for t in (0, 1, 3):
            await clock.sleep_until(t)
            marks.append(time.monotonic())

    await clock.run(client())
    assert [clock.at(m) for m in marks] == [0, 1, 3]


async def test_polling_and_long_polling_on_the_virtual_clock_are_exact_whatever_the_machine(reg):
    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    counter = RequestCounter(clock)
    room = ChatRoom(clock=clock)
    app = create_app(room)
    app.middlewares.append(counter.middleware)
    server = await reg.start("chat", HttpServer(app))
    log = DeliveryLog()

    async def poll(name, phase, rounds, wait=None):
        last = room.last_id  # só o que chegar daqui em diante
        async with aiohttp.ClientSession(server.url) as session:
            for k in range(rounds):
                await clock.sleep_until(phase + k)
                params = {"since": last} if wait is None else {"since": last, "espera": wait}
                async with session.get("/mensagens", params=params) as r:
                    for m in await r.json():
                        log.received(name, m["id"], clock.now())
                        last = m["id"]

    async def talk(times):
        async with aiohttp.ClientSession(server.url) as session:
            for i, t in enumerate(times):
                await clock.sleep_until(t)
                async with session.post("/mensagens", json={"de": "Ana", "texto": f"m{i}"}) as r:
                    log.sent((await r.json())["id"], "Ana", t)

    await clock.run(poll("Bruno", 0.0, 60), poll("Carla", 0.5, 60), talk([1.2, 7.9, 30.4]))
    assert counter.per_round(1.0) == [2] * 60  # uma pergunta por cliente em cada volta
    assert counter.per_minute(0, 60) == requests_per_minute(2, 1.0) == 120
    assert sorted(round(d, 6) for d in log.latencies()) == [0.1, 0.1, 0.3, 0.6, 0.6, 0.8]
    # long polling: a pergunta segurada é solta pelo POST, no mesmo instante simulado
    log = DeliveryLog()
    await clock.run(poll("Bruno", 0.0, 3, wait=30), talk([1.2, 7.9, 8.0]))
    assert log.latencies() == [0, 0, 0] and room.releases["prazo"] == 0
    await reg.stop_all()


def test_counter_groups_arrivals_in_rounds_of_one_interval():
    counter = RequestCounter(SimClock())
    counter.arrivals += [(t, "GET", "/mensagens") for t in (0.0, 0.33, 1.0, 1.67, 3.5)]
    assert counter.per_round(1.0) == [2, 2, 0, 1]
    assert RequestCounter(SimClock()).per_round(1.0) == []


def test_poll_label_counts_the_messages_in_each_answer():
    from helpers.experiments.polling import poll_label

    assert poll_label(resp(1, 0.0)) == f"200 · [] · {resp(1, 0.0).size} B"
    one = resp(1, 0.0, b'[{"id": 1}]')
    assert poll_label(one) == f"200 · 1 mensagem · {one.size} B"
    assert poll_label(resp(1, 0.0, b'[{"id": 1}, {"id": 2}]')).startswith("200 · 2 mensagens")
    assert poll_label(req(1, 0.0)) is None


async def test_wait_until_returns_as_soon_as_the_condition_holds_and_fails_loudly_otherwise():
    import pytest

    from helpers.experiments.polling import wait_until

    box = []
    asyncio.get_running_loop().call_soon(box.append, 1)
    await wait_until(lambda: box, timeout=5)
    with pytest.raises(TimeoutError):
        await wait_until(lambda: False, timeout=0.05)


async def test_stopping_the_server_mid_simulation_releases_the_held_requests_as_a_stop(reg):
    from helpers.experiments.polling import VirtualClock

    clock = VirtualClock()
    room = ChatRoom(clock=clock)
    server = await reg.start("chat", HttpServer(create_app(room)))

    async def held():
        async with aiohttp.ClientSession(server.url) as session:
            async with session.get("/mensagens", params={"since": 0, "espera": 30}) as r:
                return r.status, await r.json(), clock.now()

    async def stopper():
        await clock.sleep_until(5)
        await reg.stop("chat")

    results = await clock.run(held(), held(), stopper())
    assert results[:2] == [(200, [], 5), (200, [], 5)]  # soltas na parada, não no prazo (30)
    assert room.releases == {"parada": 2}
