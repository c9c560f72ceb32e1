"""O benchmark cronometra o Run All de cada notebook no JupyterLab (``helpers.tools.lab.measure_lab``):
aqui ele roda de verdade, no Lab e no Chromium dos testes, com o notebook 00 e um que falha."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labdriver import NOTEBOOKS

from helpers.tools.lab import measure_lab

pytestmark = pytest.mark.browser


def test_measure_lab_times_a_chapter_and_reports_a_failing_notebook(lab, browser, tmp_path):
    broken = tmp_path / "quebrado-de-proposito.ipynb"
    nb = new_notebook(cells=[new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, broken)

    timings = measure_lab([NOTEBOOKS / "00-boas-vindas.ipynb", broken], lab, browser)

    ok, failed = timings
    assert ok.notebook == "00-boas-vindas.ipynb" and ok.seconds is not None and ok.seconds > 0, ok
    assert failed.seconds is None and "ZeroDivisionError" in failed.error, failed
    status, body = lab.get("api/sessions")
    assert status == 200
    assert "00-boas-vindas.ipynb" not in {s["path"] for s in json.loads(body)}  # o kernel foi desligado
