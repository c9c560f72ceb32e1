import pytest
"""Capítulo 04 no JupyterLab: o túnel no diagrama e o dissecador de frames respondendo aos controles."""

from labdriver import ARTIFACTS, diagram_titled, screenshot, wait_for_count

pytestmark = pytest.mark.browser


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
    dis.locator("button.preset", has_text="126").click()
    page.wait_for_function("() => document.querySelector('.curso-dis-sizes').textContent.includes('cabeçalho 8 B')")
    wait_for_count(dis.locator("td.bit"), 64)
    dis.locator("button.preset", has_text="65.536").click()
    page.wait_for_function("() => document.querySelector('.curso-dis-sizes').textContent.includes('cabeçalho 14 B')")
    dis.screenshot(path=str(ARTIFACTS / "ch04-dissector-14B.png"))
    dis.locator("select.kind").select_option("ping")
    page.wait_for_function("() => document.querySelector('.curso-dis-error').textContent.includes('125')")
    dis.locator("button.preset", has_text="natural").click()
    msg = dis.locator("input.message")
    msg.fill("oi")
    page.wait_for_function("() => document.querySelector('.curso-dis-sizes').textContent.includes('payload 2 B')")
    assert dis.locator(".curso-dis-error").text_content() == ""
    dis.screenshot(path=str(ARTIFACTS / "ch04-dissector-ping.png"))
    tunel.scroll_into_view_if_needed()
    tunel.screenshot(path=str(ARTIFACTS / "ch04-tunel.png"))
    screenshot(page, "ch04-pagina")
