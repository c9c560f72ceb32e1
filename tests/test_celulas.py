"""Nenhuma célula de código passa de 15 linhas: a lição fica na célula, a encanação em helpers/.

Uma exceção precisa de nome e motivo em ``EXCEPTIONS`` (caderno → {início da célula: motivo}).
"""

import json
import pathlib

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
MAX_LINES = 15
EXCEPTIONS: dict[str, dict[str, str]] = {}


def long_cells(path: pathlib.Path) -> list[tuple[int, int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = []
    for n, cell in enumerate(cells, 1):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).rstrip("\n").splitlines()
        if len(lines) > MAX_LINES and not any(
                lines[0].startswith(k) for k in EXCEPTIONS.get(path.name, {})):
            out.append((n, len(lines), lines[0][:60]))
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")))
def test_code_cells_fit_in_15_lines(name):
    offenders = long_cells(NOTEBOOKS / name)
    assert not offenders, (f"{name}: células com mais de {MAX_LINES} linhas "
                           f"(nº da célula, linhas, começo): {offenders}")
