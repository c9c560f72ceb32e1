"""As sondas do capítulo 06 contra o chat que o curso entrega (``hardening.CHAT_PROBES``).

Cada guarda do ``ChatServer`` segura, e cada veredito traz o valor medido. O relógio dos baldes
fica parado (injetado), então as contagens são exatas em qualquer máquina.
"""

import logging

import pytest

from helpers.chat import ChatServer
from helpers.chat.guards import Limits
from helpers.experiments.hardening import CHAT_PROBES, Verdict, load_jsonschema
from helpers.experiments.reconnect import peak
from support import quiet_logger


@pytest.fixture
async def chat(reg):
    return await reg.start("chat", ChatServer(
        limits=Limits(outgoing=64 * 1024, history_cost=1, penalty=0.02), clock=lambda: 0.0,
        close_timeout=0.5, logger=quiet_logger("teste.sondas")))


async def test_every_guard_of_the_shipped_chat_holds_and_says_what_it_measured(chat):
    verdicts = [await probe(chat) for probe in CHAT_PROBES.values()]
    assert all(v.held for v in verdicts), verdicts
    text = "\n".join(map(str, verdicts))
    assert "fechado com 1013" in text and "19 aceitas, 6 recusadas" in text
    assert "fechado com 1008" in text and "2⁶³" in text and "já está em uso" in text
    assert chat.counters == {"lentos": 1, "limitados": 6, "tokens errados": 1, "sem join": 0,
                             "hosts recusados": 1}


async def test_a_chat_without_the_rate_limit_fails_the_flood_probe():
    log = logging.getLogger("teste.sondas")
    server = ChatServer(limits=Limits(rate=None), logger=log)
    await server.start()
    try:
        verdict = await CHAT_PROBES["limite de taxa"](server)
        assert not verdict.held and "25 aceitas, 0 recusadas" in verdict.measured
    finally:
        await server.close()


def test_a_verdict_prints_its_mark_and_value():
    assert str(Verdict("x", True, "3 KiB")) == "✔ x: 3 KiB"
    assert str(Verdict("x", False, "3 KiB")) == "✘ x: 3 KiB"


def test_jsonschema_loads_without_the_iri_grammar_and_still_validates():
    import sys

    jsonschema = load_jsonschema()
    assert "rfc3987_syntax" not in sys.modules or sys.modules["rfc3987_syntax"] is not None
    assert not jsonschema.Draft202012Validator({"type": "string"}).is_valid(3)


def test_peak_counts_the_busiest_window():
    assert peak([0.0, 0.001, 0.002, 0.5]) == 3
    assert peak([0.0, 0.02, 0.04], window=0.01) == 1
    assert peak([]) == 0


async def test_wait_until_returns_when_true_and_times_out_otherwise():
    from helpers.experiments.ghosts import count_over_time
    from helpers.experiments.polling import wait_until

    await wait_until(lambda: True, 1)
    with pytest.raises(TimeoutError):
        await wait_until(lambda: False, 0.05)
    calls = iter(range(100))
    samples = await count_over_time(lambda: next(calls), 10, 0.001, until=lambda: True)
    assert len(samples) == 1  # parou logo: a condição já valia
