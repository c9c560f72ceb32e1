"""Exportação estática: o diagrama aparece no estado final, sem kernel e sem internet."""

import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.tools.export import (
    WIDGET_STATE, WIDGET_VIEW, StaticWidgetPreprocessor, execute_with_final_widget_state, export_html,
)

CDN = re.compile(r"unpkg|jsdelivr|cdnjs|googleapis|mathjax|require(\.min)?\.js", re.I)


def assert_offline(page: str) -> None:
    """Nada na página é buscado na rede: nem script, nem CSS, nem módulo, nem imagem."""
    assert not CDN.search(page), CDN.search(page)
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I), "script externo"
    assert not re.search(r"<link[^>]*\bhref=[\"']?(https?:)?//", page, re.I), "CSS externo"
    assert not re.search(r"""(src|srcset)=["']?(https?:)?//""", page, re.I), "recurso externo"
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", page, re.I), "url() externa no CSS"
    assert not re.search(r"""import\s*\(?\s*["'](https?:)?//""", page, re.I), "import externo"
    assert "widget-view+json" not in page and "widget-state+json" not in page


def small_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_markdown_cell("# Exportação\n\nUma requisição, desenhada."),
        new_code_cell("from helpers import SequenceDiagram\nimport ipywidgets as widgets"),
        new_code_cell('d = SequenceDiagram(["cliente"], title="t"); d'),
        # a seta chega depois da exibição: só o estado final salvo a contém
        new_code_cell('d.add("cliente", "servidor", "GET /", b"GET / HTTP/1.1\\r\\n\\r\\n")'),
        new_code_cell("widgets.IntSlider(value=3)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """O notebook pequeno, executado com o nbclient (que guarda o estado dos widgets)."""
    folder = tmp_path_factory.mktemp("export")
    nb = small_notebook()
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "pequeno.ipynb"
    nbformat.write(nb, path)
    return path


def test_executed_notebook_keeps_the_final_svg_in_the_widget_state(executed):
    """A premissa da exportação: o estado salvo tem o SVG final (com a seta)."""
    nb = nbformat.read(executed, as_version=4)
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    views = [o.data[WIDGET_VIEW]["model_id"] for c in nb.cells if c.cell_type == "code"
             for o in c.outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 2  # o diagrama e o slider
    svgs = [state[m]["state"].get("svg") for m in views]
    assert svgs[0].count('<g class="msg arrow"') == 1
    assert svgs[1] is None


def test_export_shows_the_final_diagram_offline(executed, tmp_path):
    out = export_html(executed, tmp_path / "html" / "pequeno.html")
    assert out == tmp_path / "html" / "pequeno.html"
    page = out.read_text("utf-8")

    assert page.count('<div class="curso-diagram-static">') == 1
    assert page.count('<g class="msg arrow"') == 1  # o estado final: a seta veio depois
    # o título (o nbconvert passa a página pelo BeautifulSoup, que reordena os atributos e os
    # põe em minúsculas; o navegador corrige a caixa dos atributos de SVG, ver tests/browser)
    assert re.search(r'<text [^>]*font-weight="bold"[^>]*>t</text>', page)
    assert 'aria-label="t"' in page
    assert "GET /" in page
    # sem JavaScript não há clique: os bytes da mensagem vão junto, num <details>
    assert "47 45 54 20 2f 20 48 54 54 50" in page  # "GET / HTTP" em hex
    # os outros widgets caem no texto
    assert "IntSlider(value=3)" in page
    assert "SequenceDiagram(title=" not in page  # o diagrama não caiu no texto
    assert_offline(page)
    assert executed.read_text("utf-8").count(WIDGET_VIEW) == 2  # o notebook não foi alterado


def test_without_the_preprocessor_the_default_export_needs_the_internet(executed):
    """Prova de que o teste acima mede algo: o HTML padrão do nbconvert depende de CDN."""
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_filename(str(executed))
    assert CDN.search(page)
    assert '<g class="msg arrow"' not in page  # o desenho só viria do JavaScript


def test_preprocessor_renders_boxes_and_falls_back_to_text():
    svg = '<svg><g class="msg arrow" data-i="0"></g></svg>'
    state = {
        "box": {"state": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_diag", "IPY_MODEL_sl"]}},
        "diag": {"state": {"_model_name": "AnyModel", "svg": svg, "messages": [
            {"src": "a", "dst": "b", "label": "x", "kind": "msg", "size": 1, "hex": "78"},
            {"src": "a", "dst": "b", "label": "conectou", "kind": "tcp", "size": 0, "hex": ""},
        ]}},
        "sl": {"state": {"_model_name": "IntSliderModel", "description": "n", "value": 5}},
        "only": {"state": {"_model_name": "HBoxModel", "children": ["IPY_MODEL_sl"]}},
        "loop": {"state": {"_model_name": "HBoxModel", "children": ["IPY_MODEL_loop"]}},
    }

    def out(model_id):
        return nbformat.from_dict({"output_type": "display_data", "metadata": {}, "data": {
            "text/plain": f"repr de {model_id}", WIDGET_VIEW: {"model_id": model_id, "version_major": 2}}})

    nb = new_notebook(cells=[new_code_cell("x", outputs=[out(m) for m in ("box", "diag", "only", "loop", "sumiu")])])
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    nb, _ = StaticWidgetPreprocessor().preprocess(nb, {})
    box, diag, only, loop, gone = (o.data for o in nb.cells[0].outputs)

    assert "widgets" not in nb.metadata
    assert all(WIDGET_VIEW not in d for d in (box, diag, only, loop, gone))
    assert box["text/html"].startswith('<div class="curso-widget-static vbox"><div class="curso-diagram-static"><svg>')
    assert "<code>n: 5</code>" in box["text/html"]
    assert diag["text/html"].count("<svg>") == 1
    assert "Bytes das mensagens (1)" in diag["text/html"]  # a linha TCP não tem bytes
    assert "text/html" not in only and only["text/plain"] == "repr de only"  # caixa sem diagrama
    assert "text/html" not in loop  # ciclo no estado: não trava
    assert gone == {"text/plain": "repr de sumiu"}  # modelo sem estado salvo: o texto


def test_cli_executes_and_exports(tmp_path):
    """``python -m helpers.export NB --out DIR --execute``: o caminho do capítulo de apresentação."""
    nb_path = tmp_path / "cru.ipynb"
    nbformat.write(small_notebook(), nb_path)  # sem saídas: --execute roda antes
    result = subprocess.run(
        [sys.executable, "-m", "helpers.export", str(nb_path), "--out", str(tmp_path / "saida"), "--execute"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "saida" / "cru.html"
    assert result.stdout.strip() == str(out)
    page = out.read_text("utf-8")
    assert page.count('<g class="msg arrow"') == 1
    assert_offline(page)
    assert '<html lang="pt">' in page


def test_cli_reports_a_missing_file_in_portuguese(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "helpers.export", str(tmp_path / "nao-existe.ipynb"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "Arquivo não encontrado" in result.stderr


def background_notebook() -> nbformat.NotebookNode:
    """Como no notebook 01: as setas chegam de uma tarefa de fundo criada numa célula anterior."""
    nb = new_notebook(cells=[
        new_code_cell(
            "import asyncio\nfrom helpers import SequenceDiagram\n"
            "d = SequenceDiagram(title='de fundo')\nchegou = asyncio.Event()\n"
            "async def desenha():\n    await chegou.wait()\n"
            "    d.add('cliente', 'servidor', 'GET /', b'GET / HTTP/1.1\\r\\n\\r\\n')\n"
            "tarefa = asyncio.get_running_loop().create_task(desenha())\nd"
        ),
        new_code_cell("chegou.set()\nawait tarefa\nprint(d.arrows)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def saved_arrows(nb) -> list[int]:
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    return [m["state"]["svg"].count('<g class="msg arrow"') for m in state.values() if "svg" in m["state"]]


def test_plain_nbclient_loses_updates_made_by_background_tasks(tmp_path):
    """A armadilha: o kernel tem a seta, o estado salvo pelo nbclient não."""
    nb = background_notebook()
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[1].outputs[0].text == "1\n"
    assert saved_arrows(nb) == [0], "o nbclient passou a guardar essas mudanças? reveja export.py"


def test_execute_with_final_widget_state_keeps_them(tmp_path):
    nb = background_notebook()
    execute_with_final_widget_state(nb, tmp_path, timeout=60)
    assert nb.cells[1].outputs[0].text == "1\n"
    assert saved_arrows(nb) == [1]
    assert len(nb.cells) == 2  # a célula auxiliar saiu
    assert "_curso_send_final_widget_state" not in nbformat.writes(nb)
    path = tmp_path / "fundo.ipynb"
    nbformat.write(nb, path)
    page = export_html(path, tmp_path / "fundo.html").read_text("utf-8")
    assert page.count('<g class="msg arrow"') == 1


def test_an_svg_figure_inside_an_html_widget_is_exported(tmp_path):
    """Figuras desenhadas em ``widgets.HTML`` (capítulo 06) aparecem no HTML estático."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from helpers.tools.export import export_html

    nb = new_notebook(cells=[new_code_cell(
        "import ipywidgets as w\n"
        "fig = w.HTML('<svg class=\"fig-teste\"></svg>')\n"
        "fig")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "fig.ipynb"
    nbformat.write(nb, path)
    html = export_html(path, tmp_path / "fig.html", execute=True).read_text(encoding="utf-8")
    assert 'class="fig-teste"' in html


def test_a_matplotlib_chart_and_its_live_update_reach_the_page_and_the_slides(tmp_path):
    """Os gráficos de ``helpers.widgets.plot`` ficam na saída como PNG: a página e os slides os mostram
    embutidos (nada buscado fora). Um gráfico atualizado no lugar (``plot.live``) fica com a
    última versão, uma imagem só."""
    from helpers.tools.slides import export_slides

    nb = new_notebook(cells=[new_code_cell(
        "from helpers.widgets import plot\n"
        "pontos = {'p50': []}\n"
        "ao_vivo = plot.live(plot.line(pontos, title='Ao vivo'))\n"
        "for n in (1, 2, 3):\n"
        "    pontos['p50'].append((n, n * 1.5))\n"
        "    ao_vivo.update(plot.line(pontos, title='Ao vivo'))"),
        new_code_cell("plot.bars({'a': {'p50': 1.0}}, title='Barras', log=True)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    live, bars = (c.outputs for c in nb.cells)
    assert [o.output_type for o in live] == ["display_data"]  # atualizada no lugar, não empilhada
    assert live[0].data["text/plain"] == "Gráfico: Ao vivo"
    assert bars[0].data["text/plain"] == "Gráfico: Barras"
    path = tmp_path / "graficos.ipynb"
    nbformat.write(nb, path)
    page = export_html(path, tmp_path / "graficos.html").read_text("utf-8")
    deck = export_slides(path, tmp_path / "slides").read_text("utf-8")
    assert_offline(page)
    for html in (page, deck):
        assert html.count('src="data:image/png;base64,') == 2
        assert html.count('alt="Gráfico: Ao vivo"') == 1 and 'alt="Gráfico: Barras"' in html
        assert "No description has been provided" not in html
