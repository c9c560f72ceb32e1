"""Os slides offline (helpers.tools.slides) de cada capítulo, no Chromium, com a rede bloqueada.

Para cada ``notebooks/NN-*.ipynb`` (os capítulos novos entram sozinhos): a apresentação abre a
partir do disco, toda requisição que não seja ``file:`` ou ``data:`` é abortada e registrada, e
então conferimos que

* nenhuma requisição tentou sair da máquina e nenhum arquivo local faltou;
* o primeiro slide mostra o título do capítulo (captura não vazia);
* o slide do primeiro widget mostra o desenho final salvo (o SVG do diagrama, do dissecador ou
  da cascata; sem nenhum desses, o primeiro widget simples: a barra de progresso parada no fim,
  um widget HTML), visível na tela (captura não vazia);
* cada imagem carregou (``naturalWidth > 0``) e cada célula de notas virou nota do apresentador.
"""

from __future__ import annotations

import pathlib

import nbformat
import pytest

from labdriver import ARTIFACTS, VIEWPORT
from pixels import ink_fraction
from helpers.tools.slides import chapter_notebooks, slides_name

pytestmark = pytest.mark.browser

CHAPTERS = chapter_notebooks()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
BOXES = {"BoxModel", "HBoxModel", "VBoxModel", "GridBoxModel"}


def drawings_in(nb) -> int:
    """Quantos desenhos (widgets com ``svg``) o notebook exibe, diretamente ou dentro de caixas."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def count(model_id: str, seen: set) -> int:
        if model_id in seen:
            return 0
        seen.add(model_id)
        s = state.get(model_id, {}).get("state", {})
        if s.get("svg"):
            return 1
        if s.get("_model_name") in BOXES:
            return sum(count(c.removeprefix("IPY_MODEL_"), seen) for c in s.get("children", []))
        return 0

    seen: set = set()
    return sum(
        count(o["data"][WIDGET_VIEW]["model_id"], seen)
        for c in nb.cells if c.cell_type == "code"
        for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})
    )


def views_in(nb) -> int:
    """Quantas saídas do notebook são widgets."""
    return sum(WIDGET_VIEW in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []))


_GOTO_FIRST = """(selector) => {
  const el = document.querySelector(".reveal .slides " + selector);
  if (!el) return null;
  const section = el.closest("section");
  const { h, v } = Reveal.getIndices(section);
  const fragments = section.querySelectorAll(".fragment").length;
  Reveal.slide(h, v, fragments - 1);  // todos os fragmentos à mostra
  el.scrollIntoView({ block: "center" });  // slides altos rolam dentro da seção
  return { h, v };
}"""


def open_offline(page, deck: pathlib.Path) -> tuple[list[str], list[str]]:
    outside, failed = [], []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.on("requestfailed", lambda r: failed.append(r.url) if r.url.startswith("file:") else None)
    page.goto(deck.as_uri(), wait_until="load")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
    return outside, failed


def shot(page, name: str) -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_offline_deck_shows_the_title_and_the_final_widget_without_network(page, chapter_decks, notebook):
    nb = nbformat.read(notebook, as_version=4)
    deck = chapter_decks / slides_name(notebook)
    outside, failed = open_offline(page, deck)

    # o primeiro slide: o título do capítulo
    first = page.locator(".reveal .slides > section.present").first
    title = next(line.lstrip("# ").strip() for line in nb.cells[0].source.splitlines() if line.startswith("#"))
    heading = first.locator("h1").first
    heading.wait_for(state="visible")
    assert heading.inner_text().replace("¶", "").strip() == title
    png = shot(page, f"slides-{notebook.stem}-inicio")
    assert ink_fraction(page.context, png) > 0.01, f"primeiro slide em branco: {png}"

    # o slide do primeiro widget, no estado final salvo
    drawings = drawings_in(nb)
    assert page.locator(".curso-diagram-static").count() == drawings
    widget = ".curso-diagram-static svg" if drawings else ".curso-widget-simple"
    if views_in(nb) and not drawings and page.locator(widget).count() == 0:
        pytest.fail(f"{notebook.name}: o notebook exibe widgets, mas nenhum aparece desenhado nos slides")
    if not views_in(nb):
        widget = None  # um capítulo sem widgets (ou ainda não executado): só o resto é conferido
    where = page.evaluate(_GOTO_FIRST, widget) if widget else None
    if widget:
        assert where is not None
        drawn = page.locator(".reveal .slides section.present " + widget).first
        drawn.wait_for(state="visible")
        box = drawn.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 10, box
        assert box["y"] < VIEWPORT["height"] and box["y"] + box["height"] > 0, f"fora da tela: {box}"
        if drawings:
            assert drawn.locator("text").count() > 0  # rótulos das setas/campos
        else:
            assert drawn.inner_text().strip() or drawn.locator("progress, input, svg").count()
        png = shot(page, f"slides-{notebook.stem}-widget")
        assert ink_fraction(page.context, png) > 0.02, f"slide do widget em branco: {png}"

    # imagens carregadas, notas do apresentador no lugar
    broken = page.evaluate("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                           ".map(i => i.src.slice(0, 80))")
    assert broken == [], f"imagens que não carregaram: {broken}"
    notes = sum(1 for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes")
    assert page.locator("aside.notes").count() == notes

    assert outside == [], f"a apresentação tentou buscar fora da máquina: {outside}"
    assert failed == [], f"arquivos locais que faltaram: {failed}"


def test_index_lists_every_chapter_and_its_links_work_offline(page, chapter_decks):
    outside, failed = [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else (outside.append(r.request.url), r.abort()))
    page.goto((chapter_decks / "index.html").as_uri())
    links = page.locator("ol.decks a")
    assert links.count() == len(CHAPTERS)
    links.nth(len(CHAPTERS) - 1).click()
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
    assert page.url.split("#")[0].endswith(slides_name(CHAPTERS[-1]))
    assert outside == []
