"""Capítulo 04 no JupyterLab, lido de cima a baixo numa página só, como um aluno: o túnel no
diagrama, o dissecador respondendo aos controles, o console do navegador (seções 13 e 14)
conversando com os servidores do kernel, o mesmo capítulo apresentado como slides ao vivo e, por
fim, a célula de limpeza desligando os servidores.

Um teste só, porque cada etapa precisa do capítulo rodado: rodá-lo uma vez por etapa custava
três execuções do 04 no Chromium (a parte mais cara da suíte é o Chromium desenhando o Lab)."""

import shutil

import nbformat
import pytest

from labdriver import (ARTIFACTS, NOTEBOOKS, ROOT, cell_index, diagram_titled, figure_drawn, first_error, go_to_cell,
                       on_screen, open_notebook, screenshot, start_deck, wait_for_count)

pytestmark = pytest.mark.browser

# Como no repositório: o capítulo em notebooks/, as figuras que ele cita (../images/) ao lado.
CHAPTER = "notebooks/04-websocket.ipynb"


def act_until(dis, action, selector: str, text: str, tries: int = 4) -> None:
    """Faz ``action`` e espera ``text`` em ``selector`` do dissecador; se o widget redesenhou por
    baixo do clique (um estado atrasado chegando do kernel troca os botões), tenta de novo. As
    ações são idempotentes (um preset, uma opção do select)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = dis.locator(selector).filter(has_text=text)
    for _ in range(tries):
        action()
        try:
            target.wait_for(state="attached", timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"{text!r} não apareceu em {selector} depois de {tries} tentativas")


def console_named(page, name: str):
    """O console ``%%navegador NOME`` do notebook na tela."""
    return page.locator(".curso-console").filter(
        has=page.locator("p.title", has_text=f"Console do navegador · {name}"))


def wait_line(console, text: str, timeout_ms: int = 20_000) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        console.locator("pre.out .line", has_text=text).first.wait_for(state="attached", timeout=timeout_ms)
    except PlaywrightTimeout:
        shown = console.locator("pre.out").all_text_contents()
        raise AssertionError(f"{text!r} não apareceu no console; ele mostra: {shown}") from None


# A célula de limpeza (a última) desliga os servidores; o JavaScript de cada console roda quando a
# página o desenha, então tudo acima dela roda primeiro, com o kernel e os servidores vivos.
_CLEANUP = """() => window.jupyterapp.shell.currentWidget.content.widgets.findIndex(
  (c) => c.model.sharedModel.getSource().startsWith("await registry.stop_all()"))"""

_RUN_ABOVE_CLEANUP = """async (cleanup) => {
  const app = window.jupyterapp;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  app.shell.currentWidget.content.activeCellIndex = cleanup;
  return await app.commands.execute("notebook:run-all-above");
}"""

_RUN_CLEANUP = """async (cleanup) => {
  const app = window.jupyterapp;
  app.shell.currentWidget.content.activeCellIndex = cleanup;
  return await app.commands.execute("notebook:run-cell");
}"""


def test_chapter_04_read_top_to_bottom_in_jupyterlab(page, lab):
    (lab.root_dir / "notebooks").mkdir(exist_ok=True)
    shutil.copy2(NOTEBOOKS / "04-websocket.ipynb", lab.root_dir / CHAPTER)  # nunca o arquivo do repositório
    shutil.copytree(ROOT / "images", lab.root_dir / "images", dirs_exist_ok=True)
    open_notebook(page, lab, CHAPTER, alone=True)
    cleanup = page.evaluate(_CLEANUP)
    assert cleanup > 0, "a célula de limpeza (await registry.stop_all()) sumiu do capítulo 04"
    assert page.evaluate(_RUN_ABOVE_CLEANUP, cleanup) is True, first_error(page)

    the_tunnel_and_the_dissector(page)
    section_13_the_browser_talks_to_the_kernel(page)
    the_chapter_as_live_slides(page, lab)

    assert page.evaluate(_RUN_CLEANUP, cleanup) is True, first_error(page)
    # os consoles ficam sabendo: nada de "rodando…" esperando um servidor que não volta
    console_named(page, "api").locator(".status", has_text="servidor fora do ar").wait_for(state="attached")
    assert "nenhuma célula com erro" in first_error(page)


def the_tunnel_and_the_dissector(page) -> None:
    tunel = diagram_titled(page, "Um handshake, depois frames: tudo numa conexão TCP")
    wait_for_count(tunel.locator("g.msg.arrow"), 10)
    dis = page.locator(".curso-dis")
    dis.first.wait_for(state="visible")
    assert dis.count() == 1
    dis.scroll_into_view_if_needed()
    bits = dis.locator("td.bit")
    wait_for_count(bits, 48)  # 6 bytes de cabeçalho mascarado
    assert "cabeçalho 6 B" in dis.locator(".curso-dis-sizes").text_content()
    dis.scroll_into_view_if_needed()
    dis.screenshot(path=str(ARTIFACTS / "ch04-dissector-6B.png"))
    act_until(dis, lambda: dis.locator("button.preset", has_text="126").click(), ".curso-dis-sizes", "cabeçalho 8 B")
    wait_for_count(dis.locator("td.bit"), 64)
    act_until(dis, lambda: dis.locator("button.preset", has_text="65.536").click(), ".curso-dis-sizes",
              "cabeçalho 14 B")
    dis.screenshot(path=str(ARTIFACTS / "ch04-dissector-14B.png"))
    act_until(dis, lambda: dis.locator("select.kind").select_option("ping"), ".curso-dis-error", "125")
    dis.locator("button.preset", has_text="natural").click()
    msg = dis.locator("input.message")
    act_until(dis, lambda: msg.fill("oi"), ".curso-dis-sizes", "payload 2 B")
    assert dis.locator(".curso-dis-error").text_content() == ""
    dis.screenshot(path=str(ARTIFACTS / "ch04-dissector-ping.png"))
    tunel.scroll_into_view_if_needed()
    tunel.screenshot(path=str(ARTIFACTS / "ch04-tunel.png"))
    screenshot(page, "ch04-pagina")


def section_13_the_browser_talks_to_the_kernel(page) -> None:
    api = console_named(page, "api")
    wait_line(api, "close 1000  limpo: true readyState 3")
    lines = api.locator("pre.out .line").all_text_contents()
    assert any("open · readyState 1 · subprotocolo chat.v1 · extensões permessage-deflate" in s
               for s in lines), lines
    assert any('"token": null' in s for s in lines), lines
    pressao = console_named(page, "pressao")
    wait_line(pressao, "ArrayBuffer(524288 bytes)")
    assert "bufferedAmount = 524288" in pressao.locator("pre.out").text_content()
    escondido = console_named(page, "escondido")
    wait_line(escondido, '"token": "abc123"')
    assert "ainda ai" not in escondido.locator("pre.out").text_content()  # o ping não chega ao JS

    diagram = diagram_titled(page, "O navegador fala com o kernel")
    # cada seta chega quando o tap termina de decodificar o frame: o BINARY de 512 KiB pode vir
    # depois do eco que o console já mostrou
    for kind in ("PONG", "BINARY"):
        diagram.locator("g.msg.arrow text", has_text=kind).first.wait_for(state="attached")
    labels = diagram.locator("g.msg.arrow text").all_text_contents()
    assert sum(s.startswith("GET /…/eco") for s in labels) == 3, labels
    assert any(s.startswith("BINARY") for s in labels) and any(s.startswith("PING") for s in labels), \
        " | ".join(s for s in labels if not s.startswith("TEXT"))

    # um snippet de aluno, digitado no console e rodado de novo: três ecos, três setas a mais
    before = diagram.locator("g.msg.arrow").count()
    api.locator("textarea.code").fill(
        'const ws = new WebSocket(servidor.ws("eco"));\n'
        'let n = 0;\n'
        'const fim = new Promise((ok) => ws.onmessage = (e) => { console.log("eco:", e.data); if (++n === 3) ok(); });\n'
        'await new Promise((ok) => ws.onopen = ok);\n'
        'for (const t of ["um", "dois", "três"]) ws.send(t);\n'
        'await fim;\n'
        'ws.close(1000, "aluno");\n')
    api.locator("button.run").click()
    wait_line(api, "eco: três")
    diagram.locator("g.msg.arrow text", has_text='TEXT "três"').nth(1).wait_for(state="attached")
    assert diagram.locator("g.msg.arrow").count() >= before + 8  # GET, 101, 3 + 3 TEXT, CLOSE
    api.scroll_into_view_if_needed()
    screenshot(page, "ch04-console")

    fonte = console_named(page, "fonte")
    wait_line(fonte, "evento id 3: cheguei")
    longo = console_named(page, "longo")
    wait_line(longo, "volta 2: 0 nova(s)", timeout_ms=30_000)
    assert '["chegou!"]' in longo.locator("pre.out").text_content()
    polling = console_named(page, "polling")
    wait_line(polling, "volta 4:", timeout_ms=30_000)
    assert 'volta 1: 3 nova(s) ["bom dia","alguém aí?","cheguei"]' in polling.locator("pre.out").text_content()
    perguntas = diagram_titled(page, "Polling, long polling e SSE, do navegador")
    assert perguntas.locator("g.msg.arrow text", has_text="GET /…/mensagens").count() >= 6


def the_chapter_as_live_slides(page, lab) -> None:
    """O capítulo rodado, apresentado no lugar (jupyterlab-slideshow): o túnel e o dissecador vivos
    nos seus slides, e cada figura que o capítulo cita carregada no seu."""
    start_deck(page, 0)
    go_to_cell(page, cell_index(lab.root_dir / CHAPTER, "Um handshake, depois frames"))
    tunnel = page.locator(".jp-Cell.jp-mod-active .curso-seq")
    on_screen(tunnel)
    wait_for_count(tunnel.locator("g.msg.arrow"), 10)
    page.screenshot(path=str(ARTIFACTS / "slides-ao-vivo-04-tunel.png"))

    go_to_cell(page, cell_index(lab.root_dir / CHAPTER, "FrameDissector(message="))
    dis = page.locator(".jp-Cell.jp-mod-active .curso-dis")
    on_screen(dis)
    wait_for_count(dis.locator("td.bit"), 48)  # o último estado do dissecador: PING "oi", mascarado, 6 B
    page.screenshot(path=str(ARTIFACTS / "slides-ao-vivo-04-dissecador.png"))

    nb = nbformat.read(lab.root_dir / CHAPTER, as_version=4)
    with_figure = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "../images/" in c.source]
    assert with_figure, "o capítulo 04 cita suas figuras"
    for i in with_figure:
        go_to_cell(page, i)
        figure_drawn(page, page.locator(".jp-Cell.jp-mod-active .jp-RenderedMarkdown img").first)
    page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
    page.wait_for_selector("body[data-jp-deck-mode='presenting']", state="detached")
