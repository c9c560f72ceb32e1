"""Corretores dos exercícios do notebook 03 (Polling e long polling).

As dicas apontam o que revisar e nunca mostram a resposta. Soluções de referência:
``tests/solutions/ch03.py``.
"""

from __future__ import annotations

import copy
import math

from ..widgets.costcalc import average_delay, requests_per_minute, worst_delay
from .grader import Hint, exercise, require_callable

__all__ = ["SCENARIOS", "delay", "new_since", "rate", "scenarios"]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


_RATE_CASES = [(3, 1), (3, 2), (10_000, 60), (1, 0.5), (7, 3), (2, 0.75)]


@exercise("03.1")
def rate(answer) -> None:
    """``f(clientes, intervalo)`` → requisições por minuto."""
    require_callable(answer)
    for clients, interval in _RATE_CASES:
        got = answer(clients, interval)
        if not _number(got):
            raise Hint("A função deve devolver um número.")
        expected = requests_per_minute(clients, interval)
        if _close(got, expected):
            continue
        if _close(got, clients * 60 * interval):
            raise Hint("Com um intervalo maior, cada cliente pergunta *menos* vezes: "
                       "confira se o intervalo multiplica ou divide.")
        if _close(got, clients * 60):
            raise Hint("O intervalo não entrou na conta: quantas perguntas cabem num minuto "
                       "se cada cliente espera esse intervalo entre uma e outra?")
        if _close(got, expected / 60):
            raise Hint("Esse valor é por segundo; o enunciado pede por minuto.")
        if _close(got, 60 / interval):
            raise Hint("Isso é o que *um* cliente faz; faltaram os outros.")
        raise Hint("A conta não bate. Pense primeiro em um cliente: quantas perguntas ele faz "
                   "num minuto? Depois, em todos.")


@exercise("03.2")
def delay(answer) -> None:
    """``f(intervalo)`` → ``(atraso médio, pior atraso)`` do polling, em segundos."""
    require_callable(answer)
    for interval in (1, 2, 10, 60, 0.5):
        got = answer(interval)
        if not isinstance(got, (tuple, list)) or len(got) != 2 or not all(map(_number, got)):
            raise Hint("A função deve devolver dois números: (atraso médio, pior atraso).")
        mean, worst = got
        expected = (average_delay(interval), worst_delay(interval))
        if _close(mean, expected[0]) and _close(worst, expected[1]):
            continue
        if _close(mean, expected[1]) and _close(worst, expected[0]):
            raise Hint("Os dois valores estão trocados: primeiro o médio, depois o pior.")
        if not _close(worst, expected[1]):
            raise Hint("Pior caso: a mensagem chega ao servidor logo *depois* de uma pergunta. "
                       "Quanto tempo falta para a próxima?")
        raise Hint("Em média a mensagem não espera o intervalo inteiro: ela chega num instante "
                   "qualquer entre duas perguntas, e a espera varia de quase 0 até o pior caso.")


def _msgs(*ids: int) -> list[dict]:
    return [{"id": i, "de": "Ana", "texto": f"mensagem {i}"} for i in ids]


_SINCE_CASES = [
    (_msgs(1, 2, 3, 4), 2),
    (_msgs(1, 2, 3, 4), 0),
    (_msgs(1, 2, 3, 4), 4),
    (_msgs(1, 2, 3), 10),
    ([], 0),
    (_msgs(5, 6, 9, 12), 6),  # ids com buracos: mensagens antigas foram apagadas
    (_msgs(5, 6, 9, 12), 2),
]


@exercise("03.3")
def new_since(answer) -> None:
    """``f(mensagens, since)`` → as mensagens com id maior que ``since``, na mesma ordem."""
    require_callable(answer)
    for messages, since in _SINCE_CASES:
        original = copy.deepcopy(messages)
        got = answer(messages, since)
        if messages != original:
            raise Hint("A função alterou a lista recebida; devolva uma lista nova e deixe a "
                       "original como estava (outros clientes ainda vão ler dela).")
        expected = [m for m in original if m["id"] > since]
        if not isinstance(got, list):
            raise Hint("Devolva uma lista (mesmo que vazia).")
        if got == expected:
            continue
        if any(not isinstance(m, dict) for m in got):
            raise Hint("Devolva as mensagens inteiras (os dicionários), não só os ids ou os textos.")
        ids = [m.get("id") for m in got]
        if since in ids:
            raise Hint("since é o id da última mensagem que o cliente *já tem*: ela não deve "
                       "voltar de novo.")
        if sorted(ids) == [m["id"] for m in expected]:
            raise Hint("As mensagens certas, mas fora de ordem: mantenha a ordem em que chegaram.")
        if original and original[-1]["id"] != len(original):
            raise Hint("Os ids nem sempre coincidem com a posição na lista (mensagens antigas "
                       "podem ter sido apagadas): compare pelo id de cada mensagem.")
        raise Hint("Confira o critério: entram as mensagens com id *maior* que since.")


SCENARIOS = {
    "a": "Mostrar quando termina o processamento de um vídeo num serviço de terceiros "
         "(leva minutos; alguns segundos de atraso não fazem diferença).",
    "b": "Chat de suporte no seu próprio servidor: a resposta do atendente deve aparecer "
         "em menos de 1 segundo.",
    "c": "Painel com a cotação do dólar vinda de uma API pública que só atualiza a cada "
         "15 minutos (e que você não controla).",
    "d": "Fila virtual no seu servidor: avisar a pessoa, na hora, que chegou a vez dela "
         "(acontece uma vez, depois de minutos de espera).",
}
_SCENARIO_KEY = {"a": "polling", "b": "long polling", "c": "polling", "d": "long polling"}


def _normal(choice: str) -> str:
    return " ".join(choice.lower().replace("-", " ").replace("_", " ").split())


@exercise("03.4")
def scenarios(answer) -> None:
    """``{"a": "polling" | "long polling", ...}`` para os cenários de ``SCENARIOS``."""
    if not isinstance(answer, dict):
        raise Hint('Responda com um dicionário, como {"a": "polling", "b": ...}.')
    missing = sorted(set(SCENARIOS) - set(answer))
    if missing:
        raise Hint(f"Faltam os cenários: {', '.join(missing)}.")
    if any(not isinstance(v, str) or _normal(v) not in ("polling", "long polling")
           for v in answer.values()):
        raise Hint('Use exatamente "polling" ou "long polling" em cada cenário.')
    right = sum(_normal(answer[k]) == v for k, v in _SCENARIO_KEY.items())
    if right < len(_SCENARIO_KEY):
        raise Hint(f"{right} de {len(_SCENARIO_KEY)} certos. Para cada cenário, pergunte: "
                   "quanto atraso é aceitável? Quem controla o servidor (ele pode segurar a "
                   "requisição)? A novidade é rara ou frequente?")
