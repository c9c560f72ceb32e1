"""Capítulo 07 no JupyterLab: a tabela e os gráficos das medidas, e os diagramas do Redis e do gateway."""

import pytest
from labdriver import ARTIFACTS, chart_images, diagram_titled, screenshot, wait_for_count

pytestmark = pytest.mark.browser


def test_notebook_07_shows_table_charts_and_diagrams(page, run_notebook_in_lab):
    run_notebook_in_lab(page, "07-escala.ipynb")
    table = page.locator(".curso-table table.curso-plot-table")
    table.first.wait_for(state="visible")
    wait_for_count(table.first.locator("tbody tr"), 4)  # as quatro técnicas
    table.first.scroll_into_view_if_needed()
    table.first.screenshot(path=str(ARTIFACTS / "ch07-tabela.png"))
    charts = chart_images(page)  # os gráficos do matplotlib (PNG)
    wait_for_count(charts, 2)  # o da carga é um só, atualizado no lugar durante a medição
    for i in range(2):
        charts.nth(i).wait_for(state="visible")
        assert charts.nth(i).evaluate("img => img.naturalWidth") >= 600
    charts.nth(0).scroll_into_view_if_needed()
    charts.nth(0).screenshot(path=str(ARTIFACTS / "ch07-latencias.png"))
    charts.nth(1).scroll_into_view_if_needed()
    charts.nth(1).screenshot(path=str(ARTIFACTS / "ch07-carga.png"))
    redis = diagram_titled(page, "Uma mensagem de A até B, passando pelo Redis")
    wait_for_count(redis.locator("g.msg.arrow"), 6)
    redis.scroll_into_view_if_needed()
    redis.screenshot(path=str(ARTIFACTS / "ch07-redis.png"))
    gateway = diagram_titled(page, "API Gateway local: rotas, Lambdas e @connections")
    gateway.scroll_into_view_if_needed()
    gateway.screenshot(path=str(ARTIFACTS / "ch07-gateway.png"))
    screenshot(page, "ch07-pagina")
