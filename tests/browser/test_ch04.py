"""Capítulo 04 no JupyterLab: o túnel no diagrama, o dissecador de frames respondendo aos controles,
e o console do navegador (seções 13 e 14) conversando com os servidores do kernel."""

import shutil

import pytest

from labdriver import ARTIFACTS, NOTEBOOKS, diagram_titled, open_notebook, screenshot, wait_for_count

pytestmark = pytest.mark.browser


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


def test_notebook_04_draws_the_tunnel_and_the_dissector_follows_its_controls(page, run_notebook_in_lab):
    run_notebook_in_lab(page, "04-websocket.ipynb")
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


_RUN_ABOVE_CLEANUP = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  const cells = panel.content.widgets;
  panel.content.activeCellIndex = cells.findIndex(
    (c) => c.model.sharedModel.getSource().startsWith("await registry.stop_all()"));
  return await app.commands.execute("notebook:run-all-above");
}"""


def test_section_13_the_browser_talks_to_the_kernel_and_the_diagram_draws_it(page, lab):
    """Roda tudo até antes da limpeza (a última célula desliga os servidores, e o JavaScript roda
    quando a página desenha cada console), como um aluno lendo a seção 13 com o kernel vivo."""
    shutil.copy2(NOTEBOOKS / "04-websocket.ipynb", lab.root_dir / "04-secao-13.ipynb")
    open_notebook(page, lab, "04-secao-13.ipynb")
    assert page.evaluate(_RUN_ABOVE_CLEANUP) is True
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
