"""O HTML exportado (helpers.tools.export), aberto no Chromium sem rede: o diagrama final aparece."""

import pytest

from labdriver import screenshot, wait_for_count
from helpers.tools.export import execute_with_final_widget_state, export_html
from test_export import background_notebook

pytestmark = pytest.mark.browser


def test_exported_html_draws_the_final_diagram_without_network(page, tmp_path):
    nb = background_notebook()  # a seta chega de uma tarefa de fundo, como no notebook 01
    execute_with_final_widget_state(nb, tmp_path, timeout=60)
    import nbformat

    nbformat.write(nb, tmp_path / "fundo.ipynb")
    html = export_html(tmp_path / "fundo.ipynb", tmp_path / "fundo.html")

    requested: list[str] = []

    def offline(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    page.route("**/*", offline)
    page.goto(html.as_uri(), wait_until="load")

    static = page.locator(".curso-diagram-static")
    wait_for_count(static, 1)
    wait_for_count(static.locator("svg g.msg.arrow"), 1)
    svg = static.locator("svg").first
    # o nbconvert grava "viewbox" (BeautifulSoup põe atributos em minúsculas); o parser HTML do
    # navegador corrige a caixa dos atributos de SVG, e o desenho sai na escala certa
    assert svg.evaluate("s => s.viewBox.baseVal.width") == 760
    box = svg.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 60
    assert static.locator("svg text").first.text_content() == "de fundo"
    assert requested == [], f"a página tentou buscar na rede: {requested}"
    screenshot(page, "export-offline", min_bytes=5_000)
