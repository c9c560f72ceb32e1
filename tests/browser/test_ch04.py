import pytest
"""Capítulo 04 no JupyterLab: o túnel no diagrama e o dissecador de frames respondendo aos controles."""

from labdriver import ARTIFACTS, diagram_titled, screenshot, wait_for_count

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
