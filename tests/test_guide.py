"""O guia de decisão: cada cenário clássico leva à técnica certa, com motivos em português."""

import itertools

import pytest

from helpers.widgets.guide import QUESTIONS, DecisionGuide, recommend


def test_a_chat_gets_a_websocket():
    assert recommend({"direction": "both", "frequency": "often", "latency": "instant"}).technique == "websocket"


def test_following_an_upload_gets_polling():
    r = recommend({"direction": "server", "frequency": "rare", "latency": "seconds"})
    assert r.technique == "polling" and any("upload" in x for x in r.reasons)


def test_a_live_dashboard_gets_sse():
    assert recommend({"direction": "server", "frequency": "constant"}).technique == "sse"


def test_a_rare_urgent_notification_gets_long_polling():
    assert recommend({"frequency": "rare", "latency": "instant"}).technique == "long-polling"


def test_without_long_connections_only_polling_is_left():
    assert recommend({"direction": "both", "frequency": "constant", "infra": "no"}).technique == "polling"


def test_every_combination_has_an_answer_with_reasons():
    keys = list(QUESTIONS)
    for values in itertools.product(*(QUESTIONS[k][1] for k in keys)):
        r = recommend(dict(zip(keys, values)))
        assert r.reasons and r.name


def test_unknown_answers_are_explained():
    with pytest.raises(ValueError, match="Opções"):
        recommend({"frequency": "sempre"})


def test_the_widget_follows_the_clicks_and_has_a_stable_repr():
    guide = DecisionGuide()
    assert repr(guide) == "DecisionGuide(recomendação: Polling)"
    guide.set(direction="both", frequency="constant")
    assert guide.recommendation.technique == "websocket"
    assert "WebSocket" in guide.output.value
    assert guide._repr_mimebundle_()["text/plain"] == "DecisionGuide(recomendação: WebSocket)"
