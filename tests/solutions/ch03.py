"""Soluções de referência dos exercícios do notebook 03 (testadas em tests/test_exercises.py)."""


def requisicoes_por_minuto(clientes, intervalo):
    return clientes * 60 / intervalo


def atraso(intervalo):
    return intervalo / 2, intervalo


def novas_desde(mensagens, since):
    return [m for m in mensagens if m["id"] > since]


escolhas = {"a": "polling", "b": "long polling", "c": "polling", "d": "long polling"}

SOLUTIONS = {
    "03.1": requisicoes_por_minuto,
    "03.2": atraso,
    "03.3": novas_desde,
    "03.4": escolhas,
}
