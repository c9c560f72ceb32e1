"""Soluções de referência dos exercícios do notebook 02 (testadas em tests/test_exercises.py)."""

import dns.message


def ttl_da_resposta(resposta: bytes) -> int:
    pos = 12  # depois do cabeçalho
    while resposta[pos] != 0:  # rótulos do QNAME: tamanho + letras, até o byte 0
        pos += 1 + resposta[pos]
    pos += 1 + 4  # o byte 0, QTYPE e QCLASS
    pos += 2  # o nome do registro vem comprimido: um ponteiro de 2 bytes (c0 0c)
    pos += 4  # TYPE e CLASS
    return int.from_bytes(resposta[pos : pos + 4], "big")


def consultas_no_servidor(instantes: list[float], ttl: float) -> int:
    consultas, vale_ate = 0, float("-inf")
    for t in instantes:
        if t >= vale_ate:  # cache vazio ou vencido: pergunta ao autoritativo
            consultas += 1
            vale_ate = t + ttl
    return consultas


def tempo_total(etapas: list[tuple[str, float, float]]) -> float:
    return max(fim for _, _, fim in etapas) - min(inicio for _, inicio, _ in etapas)


pergunta_aaaa = dns.message.make_query("chat.curso.test", "AAAA")

SOLUTIONS = {
    "02.1": ttl_da_resposta,
    "02.2": consultas_no_servidor,
    "02.3": tempo_total,
    "02.4": pergunta_aaaa,
}
