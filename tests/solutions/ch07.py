"""Soluções de referência dos exercícios do notebook 07 (testadas em tests/test_exercises.py)."""

import json
import math


def percentil(valores, p):
    ordenados = sorted(valores)
    posto = max(1, math.ceil(p / 100 * len(ordenados)))
    return ordenados[posto - 1]


def rota(corpo, rotas):
    try:
        dados = json.loads(corpo)
    except ValueError:
        return "$default"
    acao = dados.get("action") if isinstance(dados, dict) else None
    if isinstance(acao, str) and acao in rotas and not acao.startswith("$"):
        return acao
    return "$default"


def custo(mensagens, tamanho_kb, minutos, preco_milhao_msgs, preco_milhao_minutos):
    blocos = mensagens * max(1, math.ceil(tamanho_kb / 32))
    return blocos / 1e6 * preco_milhao_msgs + minutos / 1e6 * preco_milhao_minutos


SOLUTIONS = {"07.1": percentil, "07.2": rota, "07.3": custo}
