"""Ferramentas de quem mantém o curso (nenhum notebook importa): executar, exportar, slides, ortografia, benchmark.
"""

__all__: list[str] = []
