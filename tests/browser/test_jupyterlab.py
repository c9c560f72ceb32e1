"""No JupyterLab de verdade, no Chromium: o diagrama desenha ao vivo e mostra os bytes no clique."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from labdriver import diagram_titled, screenshot, wait_for_count

pytestmark = pytest.mark.browser

TITLE = "Três mensagens, depois da exibição"

# As setas chegam de uma tarefa asyncio *depois* de a célula terminar: só aparecem se o
# caminho kernel → comm → anywidget → SVG funcionar ao vivo.
LIVE_CELL = f'''\
import asyncio
import ipywidgets as widgets
from helpers import SequenceDiagram

d = SequenceDiagram(["navegador"], title={TITLE!r})
controle = widgets.IntSlider(value=3, min=1, max=10, description="setas")
display(d, controle)

async def desenha():
    for i in range(controle.value):
        await asyncio.sleep(0.2)
        d.add("navegador", "servidor", f"GET /{{i}}", f"GET /{{i}} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n".encode())

tarefa = asyncio.get_running_loop().create_task(desenha())  # referência guardada
tarefa.add_done_callback(lambda t: t.cancelled() or t.exception() and print("falhou:", t.exception()))
'''


@pytest.fixture
def live_notebook(lab):
    name = "diagrama-ao-vivo.ipynb"
    nb = new_notebook(cells=[new_markdown_cell("# Teste no navegador"), new_code_cell(LIVE_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root_dir / name)
    return name


def test_sequence_diagram_draws_live_and_shows_bytes_on_click(page, run_notebook_in_lab, live_notebook):
    run_notebook_in_lab(page, live_notebook)

    diagram = diagram_titled(page, TITLE)
    arrows = diagram.locator("g.msg.arrow")
    wait_for_count(arrows, 3)
    assert diagram.count() == 1
    assert arrows.nth(2).locator("text").text_content() == "GET /2"

    # o ipywidgets também vive na mesma página
    slider = page.locator(".widget-slider")
    slider.first.wait_for(state="visible")
    assert page.locator(".widget-slider .widget-readout").first.inner_text().strip() == "3"

    # clicar numa seta mostra os bytes daquela mensagem
    panel = diagram.locator(".curso-svg-details")
    assert panel.locator("pre.hex").count() == 0
    arrows.nth(1).click()
    hex_dump = panel.locator("pre.hex")
    hex_dump.wait_for(state="visible")
    assert "47 45 54 20 2f 31" in hex_dump.inner_text()  # "GET /1"
    assert panel.locator(".head").inner_text().startswith("navegador → servidor: GET /1")
    assert "GET /1 HTTP/1.1" in panel.locator("pre.text").inner_text()

    # nenhuma notificação do JupyterLab por cima (perguntas de notícias, atualizações)
    assert page.locator(".Toastify__toast").count() == 0
    diagram.scroll_into_view_if_needed()
    screenshot(page, "jupyterlab-diagrama-ao-vivo")


def test_notebook_01_draws_every_diagram_in_jupyterlab(page, run_notebook_in_lab):
    """O capítulo 01 inteiro, no JupyterLab: cada diagrama com as setas que o texto promete."""
    run_notebook_in_lab(page, "01-http.ipynb")
    expected = {
        "Três requisições na mesma conexão (keep-alive)": 6,
        "Três requisições com Connection: close": 6,
        "Um handler com defeito: 500, e o servidor segue de pé": 4,
        "Chat sobre HTTP: Bruno só recebe quando pergunta": 6,
    }
    for title, arrows in expected.items():
        diagram = diagram_titled(page, title)
        wait_for_count(diagram.locator("g.msg.arrow"), arrows)
    keep_alive = diagram_titled(page, "Três requisições na mesma conexão (keep-alive)")
    assert keep_alive.locator("g.msg.tcp").count() == 2  # uma conexão: aberta e fechada
    close = diagram_titled(page, "Três requisições com Connection: close")
    assert close.locator("g.msg.tcp").count() == 6  # três conexões
    error = diagram_titled(page, "Um handler com defeito: 500, e o servidor segue de pé")
    assert error.locator('g.msg.arrow line[stroke="#c0392b"]').count() == 1  # o 500 em vermelho
    # a última célula confere, dentro do JupyterLab, que nada ficou aberto
    page.locator(".jp-OutputArea-output", has_text="Nada ficou aberto").last.wait_for(state="attached")
    assert page.locator(".jp-OutputArea-output", has_text="Vazamento").count() == 0
    close.scroll_into_view_if_needed()
    screenshot(page, "jupyterlab-notebook-01")


def test_a_failing_cell_is_reported_with_its_traceback(page, run_notebook_in_lab, lab):
    """Quando o Run All falha, o teste diz qual célula, o erro e o traceback (lidos do notebook na
    tela, não de uma aba escondida), em vez de uma mensagem vazia."""
    name = "falha-de-proposito.ipynb"
    cells = [new_code_cell("x = 1"), new_code_cell("def dividir():\n    return x / 0\n\ndividir()")]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root_dir / name)
    with pytest.raises(AssertionError) as failure:
        run_notebook_in_lab(page, name)
    report = str(failure.value)
    assert "célula 1: ZeroDivisionError: division by zero" in report, report
    assert "dividir()" in report and "return x / 0" in report, report  # o traceback, sem cores ANSI
    assert "\x1b[" not in report, report
