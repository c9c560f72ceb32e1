"""Slides offline (helpers.tools.slides): nada vem da internet, a metadata de slide vale, widgets estáticos."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.tools.slides import (
    REVEAL_DIR,
    REVEAL_FILES,
    chapter_notebooks,
    export_slides,
    main,
    slides_name,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = chapter_notebooks()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class Resources(HTMLParser):
    """O que o navegador buscaria sozinho ao abrir a página: scripts, folhas de estilo, imagens."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def fetched_by(page: str) -> list[str]:
    parser = Resources()
    parser.feed(page)
    css = "\n".join(parser.styles)
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return parser.urls + css_urls


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_deck_fetches_only_files_that_ship_with_it(chapter_decks, notebook):
    page = (chapter_decks / slides_name(notebook)).read_text(encoding="utf-8")
    urls = fetched_by(page)
    assert "reveal/reveal.js" in urls and "reveal/notes.js" in urls
    for url in urls:
        if url.startswith("data:"):
            continue
        assert "://" not in url and not url.startswith("//"), f"{notebook.name} busca fora: {url}"
        assert (chapter_decks / url.split("#")[0].split("?")[0]).is_file(), f"{notebook.name}: falta {url}"
    for cdn in ("unpkg.com", "cdnjs", "jsdelivr", "require.js", "googleapis"):
        assert cdn not in page, f"{notebook.name} ainda cita {cdn}"
    # o estado dos widgets não vai para a página: nada de gerenciador de widgets
    assert WIDGET_VIEW not in page and WIDGET_STATE not in page


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_links_in_a_deck_lead_to_other_decks_and_course_files(chapter_decks, notebook):
    page = (chapter_decks / slides_name(notebook)).read_text(encoding="utf-8")
    assert not re.search(r'href="\d\d-[\w-]+\.ipynb', page)  # capítulo → slides do capítulo
    for href in re.findall(r'<a[^>]*\bhref="([^"#][^"]*)"', page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            continue
        chapter = re.fullmatch(r"(\d\d-[\w-]+)\.slides\.html", href)
        if chapter and not (notebook.parent / f"{chapter[1]}.ipynb").is_file():
            continue  # capítulo que ainda não existe: assunto de tests/test_navegacao.py
        target = (chapter_decks / href.split("#")[0]).resolve()
        assert target.exists(), f"{notebook.name}: o link {href} não leva a nada a partir dos slides"


def test_index_lists_every_chapter(chapter_decks):
    index = (chapter_decks / "index.html").read_text(encoding="utf-8")
    for notebook in CHAPTERS:
        assert f'href="{slides_name(notebook)}"' in index


def small_notebook() -> nbformat.NotebookNode:
    def cell(c, kind):
        c.metadata["slideshow"] = {"slide_type": kind}
        return c

    progress = new_code_cell("barra")
    progress.outputs = [new_output("display_data", data={
        "text/plain": "IntProgress(value=7, max=10)",
        WIDGET_VIEW: {"model_id": "p1", "version_major": 2, "version_minor": 0},
    })]
    html_widget = new_code_cell("aviso")
    html_widget.outputs = [new_output("display_data", data={
        "text/plain": "HTML(value='...')",
        WIDGET_VIEW: {"model_id": "h1", "version_major": 2, "version_minor": 0},
    })]
    nb = new_notebook(cells=[
        cell(new_markdown_cell("# Título\n\nVeja o [capítulo 01](01-http.ipynb#O-mapa)."), "slide"),
        cell(new_markdown_cell("Nota só para quem apresenta."), "notes"),
        cell(new_markdown_cell("## Outro slide"), "slide"),
        cell(new_markdown_cell("para baixo"), "subslide"),
        cell(new_markdown_cell("aparece no clique"), "fragment"),
        cell(new_markdown_cell("TEXTO PULADO"), "skip"),
        cell(progress, "-"),
        cell(html_widget, "-"),
    ])
    nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {"p1": {
        "model_name": "IntProgressModel", "model_module": "@jupyter-widgets/controls",
        "model_module_version": "2.0.0",
        "state": {"_model_name": "IntProgressModel", "value": 7, "min": 0, "max": 10, "description": "barra"},
    }, "h1": {
        "model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
        "model_module_version": "2.0.0",
        "state": {"_model_name": "HTMLModel", "value": "<b>negrito</b> no widget", "description": ""},
    }}}}
    return nb


def test_slide_metadata_becomes_sections_fragments_and_notes(tmp_path):
    nbformat.write(small_notebook(), tmp_path / "99-teste.ipynb")
    page = export_slides(tmp_path / "99-teste.ipynb", tmp_path / "out").read_text(encoding="utf-8")
    body = page.split('<div class="slides">', 1)[1]
    assert body.count("<section") == 5  # 2 slides (seção dentro de seção); o 2º com um subslide
    assert body.count('class="fragment"') == 1
    assert body.count('<aside class="notes">') == 1 and "Nota só para quem apresenta." in body
    assert "TEXTO PULADO" not in body
    assert 'href="01-http.slides.html"' in body  # o link de capítulo vira link de slides
    # a barra de progresso aparece no valor final, sem JavaScript de widgets
    progress = re.search(r"<progress[^>]*>", body)[0]
    assert 'value="7"' in progress and 'max="10"' in progress
    assert "IntProgress(value=7" not in body
    assert '<b>negrito</b> no widget' in body  # widget HTML: o valor final, como HTML
    assert (tmp_path / "out" / "reveal" / "reveal.js").is_file()


def test_vendored_reveal_is_small_local_and_licensed():
    files = {p.name: p for p in REVEAL_DIR.iterdir()}
    assert set(files) == set(REVEAL_FILES)
    assert sum(p.stat().st_size for p in files.values()) < 300_000
    license_text = files["LICENSE"].read_text(encoding="utf-8")
    assert "MIT" in license_text and "Hakim El Hattab" in license_text
    theme = files["white.css"].read_text(encoding="utf-8")
    assert "@import" not in theme and "url(" not in theme  # nenhuma fonte de fora (nem de dentro)
    assert files["VERSION"].read_text(encoding="utf-8").startswith("reveal.js 5.")


def test_cli_exports_and_reports_a_missing_file_in_portuguese(tmp_path, capsys):
    nbformat.write(small_notebook(), tmp_path / "99-teste.ipynb")
    assert main([str(tmp_path / "99-teste.ipynb"), "--out", str(tmp_path / "out")]) == 0
    assert "✔ 1 apresentação(ões)" in capsys.readouterr().out
    assert (tmp_path / "out" / "index.html").is_file()
    result = subprocess.run(
        [sys.executable, "-m", "helpers.slides", str(tmp_path / "nao-existe.ipynb")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Arquivo não encontrado" in result.stderr


def test_curso_py_has_the_slides_command():
    source = (ROOT / "curso.py").read_text(encoding="utf-8")
    assert '"slides"' in source and "helpers.slides" in source


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_cell_has_slide_metadata(notebook):
    nb = nbformat.read(notebook, as_version=4)
    allowed = {"slide", "subslide", "fragment", "skip", "notes", "-"}
    missing = [i for i, c in enumerate(nb.cells, start=1)
               if c.metadata.get("slideshow", {}).get("slide_type") not in allowed]
    assert missing == [], f"{notebook.name}: células sem tipo de slide: {missing}"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"


def test_slides_and_static_export_share_one_css_for_the_static_widgets():
    from helpers.tools.export import OFFLINE_TEMPLATE, STATIC_WIDGETS_CSS
    from helpers.tools.slides import SLIDES_TEMPLATE

    assert ".curso-widget-static" in STATIC_WIDGETS_CSS
    assert STATIC_WIDGETS_CSS in OFFLINE_TEMPLATE and STATIC_WIDGETS_CSS in SLIDES_TEMPLATE
