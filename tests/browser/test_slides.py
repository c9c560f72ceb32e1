"""Slides ao vivo: o notebook apresentado dentro do JupyterLab (jupyterlab-slideshow), kernel rodando.

O caminho que o curso recomenda para apresentar: o comando ``deck:start`` do jupyterlab-slideshow
(botão de baralho na barra do notebook, ou "Start Deck" na paleta de comandos) transforma o
próprio notebook em slides, no lugar, com os widgets vivos. O jupyterlab-rise 0.43.1 abre os
slides numa página à parte e mostra os widgets como texto (``IntSlider(value=3, ...)``), tanto
ipywidgets quanto anywidget, mesmo executando a célula dentro dele (visto no Chromium; ver
docs/guia-do-instrutor.md); por isso ele não está nas dependências.

Aqui o JupyterLab roda com a interface em português (jupyterlab-language-pack-pt-br), como um
instrutor que trocou o idioma em *Settings → Language*. Os notebooks ficam em ``notebooks/`` e as
figuras em ``images/``, como no repositório: cada figura de ``images/NN-*.svg`` também é conferida
(carregada e com tamanho) no notebook e no slide.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_server import LAB_QUIET_SETTINGS, jupyter_server
from labdriver import (ARTIFACTS, ROOT, figure_drawn, go_to_cell, on_screen, open_notebook, run_all_cells,
                       start_deck, wait_for_count)

pytestmark = pytest.mark.browser

PT_BR = {**LAB_QUIET_SETTINGS, "@jupyterlab/translation-extension:plugin": {"locale": "pt_BR"}}
FIGURES = sorted((ROOT / "images").glob("[0-9][0-9]-*.svg"))
LIVE = "notebooks/slides-ao-vivo.ipynb"

WIDGETS_CELL = '''\
import ipywidgets as widgets
from helpers import SequenceDiagram
from helpers.widgets.dissector import FrameDissector

diagrama = SequenceDiagram(["navegador"], title="Ao vivo no slide")
diagrama.add("navegador", "servidor", "GET /1", b"GET /1 HTTP/1.1\\r\\n\\r\\n")
setas = widgets.IntSlider(value=1, min=1, max=5, description="setas")


def mais_setas(mudanca):
    for i in range(mudanca["old"] + 1, mudanca["new"] + 1):
        diagrama.add("navegador", "servidor", f"GET /{i}", f"GET /{i} HTTP/1.1\\r\\n\\r\\n".encode())


setas.observe(mais_setas, "value")
dissecador = FrameDissector(message="oi")
display(diagrama, setas, dissecador)
'''


def slide(cell, kind):
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


@pytest.fixture(scope="module")
def pt_lab(tmp_path_factory, chromium):
    with jupyter_server(
        tmp_path_factory.mktemp("lab-ptbr"),
        lab=True,
        user_settings=PT_BR,
        extra_args=["--LabApp.expose_app_in_browser=True"],
        timeout=120,
    ) as server:
        (server.root_dir / "notebooks").mkdir()
        shutil.copytree(ROOT / "images", server.root_dir / "images")
        nb = new_notebook(cells=[
            slide(new_markdown_cell("# Widgets no slide\n\nO kernel continua rodando durante a apresentação."), "slide"),
            slide(new_code_cell(WIDGETS_CELL), "slide"),
            *[slide(new_markdown_cell(f"## {f.stem}\n\n![{f.stem}](../images/{f.name})"), "slide") for f in FIGURES],
        ])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nbformat.write(nb, server.root_dir / LIVE)
        yield server


def test_interface_in_portuguese_is_available(page, pt_lab):
    page.goto(f"{pt_lab.url('lab')}?token={pt_lab.token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", polling=200)
    header = page.locator(".jp-DirListing-headerItem.jp-id-name .jp-DirListing-headerItemText")
    header.wait_for(state="visible")
    assert header.inner_text() == "Nome"  # em inglês seria "Name"
    # o caminho que o notebook 00 ensina: Settings → Language lista o português
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Language").hover()
    portugues = page.locator(".lm-Menu-itemLabel", has_text="Português (Brasil)")
    portugues.first.wait_for(state="visible")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def test_deck_presents_our_widgets_alive_with_the_kernel_running(page, pt_lab):
    """anywidget (diagrama e dissecador) e ipywidgets (slider) desenhados no slide, e respondendo."""
    open_notebook(page, pt_lab, LIVE)
    run_all_cells(page)
    start_deck(page, 0)
    assert page.locator(".jp-Cell.jp-mod-active h1").inner_text().startswith("Widgets no slide")
    page.evaluate("() => window.jupyterapp.commands.execute('deck:forward')")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 1")

    diagram = page.locator(".curso-seq").filter(has=page.locator('svg[aria-label="Ao vivo no slide"]'))
    on_screen(diagram)
    wait_for_count(diagram.locator("g.msg.arrow"), 1)
    slider = page.locator(".widget-slider")
    on_screen(slider)
    dis = page.locator(".curso-dis")
    on_screen(dis)
    assert "cabeçalho 2 B" in dis.locator(".curso-dis-sizes").text_content()

    # o slider (ipywidgets) leva o valor ao kernel, que desenha setas novas no diagrama (anywidget)
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    page.keyboard.press("End")
    assert page.locator(".widget-slider .widget-readout").first.inner_text().strip() == "5"
    wait_for_count(diagram.locator("g.msg.arrow"), 5)
    # o dissecador pede ao kernel um payload de 126 bytes e redesenha o cabeçalho
    dis.locator("button.preset", has_text="126").click()
    page.wait_for_function(
        "() => document.querySelector('.curso-dis-sizes').textContent.includes('cabeçalho 4 B')")
    assert page.locator("body[data-jp-deck-mode='presenting']").count() == 1  # ainda apresentando
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "slides-ao-vivo-widgets.png"))

    # as figuras do curso, cada uma no seu slide
    for i, figure in enumerate(FIGURES, start=2):
        go_to_cell(page, i)
        img = page.locator(".jp-Cell.jp-mod-active .jp-RenderedMarkdown img")
        figure_drawn(page, img)
        assert img.get_attribute("src").split("?")[0].endswith(f"images/{figure.name}")
    page.screenshot(path=str(ARTIFACTS / "slides-ao-vivo-figura.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")


CONSOLE_SETUP = '''\
from helpers import SequenceDiagram, registry
from helpers.experiments.browser import BrowserLab
from helpers.widgets.console import register_magic

lab = await registry.start("lab-js", BrowserLab())
register_magic(lab.base)
diagrama = SequenceDiagram(["navegador"], title="Console no slide")
diagrama.follow(lab.tap, client="navegador", label=lab.label)
diagrama
'''

CONSOLE_SNIPPET = '''\
%%navegador slide
const ws = new WebSocket(servidor.ws("eco"));
const eco = new Promise((pronto) => ws.onmessage = (e) => pronto(e.data));
await new Promise((pronto) => ws.onopen = pronto);
ws.send("olá, turma");
console.log("eco:", await eco);
ws.close(1000, "fim");
'''


def test_deck_runs_the_browser_console_and_draws_its_frames(page, pt_lab):
    """O console do navegador (capítulo 04, seção 13) num slide ao vivo: o JavaScript roda, o eco
    volta, o diagrama do slide ao lado ganha as setas, e o botão roda de novo."""
    name = "notebooks/console-no-slide.ipynb"
    nb = new_notebook(cells=[slide(new_markdown_cell("# O navegador fala com o kernel"), "slide"),
                             slide(new_code_cell(CONSOLE_SETUP), "slide"),
                             slide(new_code_cell(CONSOLE_SNIPPET), "slide")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, pt_lab.root_dir / name)
    open_notebook(page, pt_lab, name)
    run_all_cells(page)
    start_deck(page, 0)
    go_to_cell(page, 2)
    console = page.locator(".jp-Cell.jp-mod-active .curso-console")
    on_screen(console)
    console.locator("pre.out .line", has_text="eco: olá, turma").wait_for(state="attached")
    console.locator("button.run").click()
    page.wait_for_function("() => document.querySelectorAll('.curso-console pre.out .line').length === 1 "
                           "&& document.querySelector('.curso-console .status').textContent.startsWith('terminou')")
    go_to_cell(page, 1)
    diagram = page.locator(".jp-Cell.jp-mod-active .curso-seq")
    on_screen(diagram)
    # duas execuções: GET, 101, TEXT ida e volta, CLOSE ida e volta, cada uma
    wait_for_count(diagram.locator("g.msg.arrow"), 12)
    assert page.locator("body[data-jp-deck-mode='presenting']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "slides-ao-vivo-console.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
