"""Cada notebook roda duas vezes seguidas no mesmo kernel, sem erro e sem vazar nada.

É o que acontece quando um aluno dá "Run All" duas vezes: os servidores da primeira execução
são substituídos (mesmo nome no registro) ou parados no fim, e os descritores de arquivo do
kernel voltam ao que eram.
"""

import json
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"

PROBE = """
import asyncio, json
from helpers import registry
snap = await registry.settle(registry.snapshot())
print(json.dumps({"fds": snap.fds, "tasks": snap.tasks, "resources": list(snap.resources)}))
"""


def probe(client, nb):
    cell = nbformat.v4.new_code_cell(PROBE)
    nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(nb.cells) - 1)
    finally:
        nb.cells.pop()
    # o print pode chegar em mais de um pedaço ("{...}" e depois "\n") numa máquina carregada
    return json.loads("".join(o["text"] for o in cell.outputs if o.get("name") == "stdout"))


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")))
def test_notebook_runs_twice_in_one_kernel_and_ends_where_it_started(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    with client.setup_kernel():
        after = []
        for _ in range(2):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
                    errors = [o for o in cell.outputs if o.output_type == "error"]
                    assert not errors, f"célula {index}: {errors}"
            after.append(probe(client, nb))
    assert after[0]["resources"] == after[1]["resources"] == []
    assert after[0]["tasks"] == after[1]["tasks"] == 0
    assert after[1]["fds"] == after[0]["fds"], after
