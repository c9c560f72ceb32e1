"""Capítulo 03 no JupyterLab: polls e long poll desenhados de jeitos diferentes; a calculadora responde."""

import pytest

from labdriver import ARTIFACTS, diagram_titled, screenshot, wait_for_count

pytestmark = pytest.mark.browser


def test_notebook_03_shows_held_requests_and_the_calculator_reacts(page, run_notebook_in_lab):
    run_notebook_in_lab(page, "03-polling.ipynb")
    poll = diagram_titled(page, "Polling a cada 1 s: quase tudo volta []")
    wait_for_count(poll.locator("g.msg.arrow"), 18)
    comp = diagram_titled(page, "Ana: polling · Bruno: long polling")
    wait_for_count(comp.locator("g.msg.arrow"), 18)
    wait_for_count(comp.locator("g.hold"), 2)
    assert "segurada" in comp.locator("g.hold").first.text_content()
    comp.scroll_into_view_if_needed()
    comp.screenshot(path=str(ARTIFACTS / "ch03-comparacao.png"))
    # clique numa seta segurada mostra os bytes
    comp.locator("g.msg.arrow").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.curso-svg-details .head')].some(e => e.textContent.includes('espera=30'))")
    comp.screenshot(path=str(ARTIFACTS / "ch03-comparacao-clique.png"))
    calc = page.locator(".widget-vbox").filter(has_text="exemplos").first
    calc.scroll_into_view_if_needed()
    calc.screenshot(path=str(ARTIFACTS / "ch03-calc-seed.png"))
    assert "180" in calc.text_content()
    calc.locator("button", has_text="HPBN").click()
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html-content')].some(e => e.textContent.includes('166,7'))")
    calc.screenshot(path=str(ARTIFACTS / "ch03-calc-hpbn.png"))
    screenshot(page, "ch03-pagina")
