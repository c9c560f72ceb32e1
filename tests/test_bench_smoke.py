"""O benchmark inteiro em tamanhos mínimos, como a CI o roda: falha só por erro, nunca por tempo.

Roda ``python3 curso.py benchmark`` num subprocesso (o comando do README), sem notebooks, com
poucos clientes, uma turma pequena e janelas de 1 s. Os números que ele imprime não são
conferidos: numa máquina ocupada eles pioram, e isso vira ✘ no relatório, não erro aqui.
"""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TINY = ["--sem-notebooks", "--clientes", "12", "--mensagens", "3", "--intervalo", "0.05",
        "--por-processo", "12", "--sala", "4,8", "--sala-periodo", "1", "--sala-janela", "1",
        "--conexoes-ociosas", "10", "--voltas", "30", "--soak", "pequeno", "--sem-testar"]


@pytest.mark.timeout(660)
def test_benchmark_runs_end_to_end_at_tiny_sizes(tmp_path):
    out = tmp_path / "benchmark.md"
    done = subprocess.run([sys.executable, "curso.py", "benchmark", *TINY, "--saida", str(out)],
                          cwd=ROOT, env={**os.environ, "CURSO_SEM_VENV": "1"}, capture_output=True,
                          text=True, timeout=600)  # guarda contra travar (já levou 200 s numa máquina lotada)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    for row in ("websockets.broadcast(), sem compressão", "um send() por cliente", "com compressão",
                "2 servidores + Redis", "sala de aula, 4 alunos", "capacidade da sala de aula",
                "RTT eco WebSocket", "memória do servidor por conexão ociosa", "sala calma (1 msg/min",
                "latência acrescentada pelo tap", "soak (20 + 4 instáveis", "soak: RSS do servidor"):
        assert row in report, row
    assert "| máquina | |" in report and "carga média (1 min) no fim" in report
    assert "referência de CPU" in report and "referência de memória" in report
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
