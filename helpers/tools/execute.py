"""Reexecuta notebooks do começo ao fim e grava as saídas (para mantenedores).

Uso: ``python -m helpers.execute notebooks/01-http.ipynb ...`` (ou ``python3 curso.py executar``).
Os notebooks são versionados *executados*: o que o aluno lê é o que o código imprime de fato, e o
nbval confere isso a cada teste. O estado final dos widgets vai junto nos metadados, para a
exportação estática (``helpers.tools.export``) mostrar o último desenho.
"""

from __future__ import annotations

import pathlib
import sys
import time

import nbformat

from ..core.cli import ArgumentParser
from ..core.numbers import decimal
from .export import execute_with_final_widget_state

__all__ = ["execute_notebook"]


def execute_notebook(path: str | pathlib.Path, timeout: int = 120) -> nbformat.NotebookNode:
    path = pathlib.Path(path)
    nb = nbformat.read(path, as_version=4)
    # Setas desenhadas por tarefas de fundo não entram no estado que o nbclient grava; esta
    # função reenvia o estado final de cada widget antes de gravar (ver helpers.tools.export).
    execute_with_final_widget_state(nb, path.parent, timeout)
    nbformat.write(nb, path)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python3 curso.py executar", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="arquivos .ipynb")
    args = parser.parse_args(argv)
    for name in args.notebooks:
        start = time.perf_counter()
        execute_notebook(name)
        print(f"✔ {name} executado em {decimal(time.perf_counter() - start, 1)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
