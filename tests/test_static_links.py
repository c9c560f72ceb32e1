"""Cópias estáticas (HTML exportado e slides offline) sem links mortos: capítulos, documentos do
curso e portas do kernel (helpers.tools.export.StaticLinksPreprocessor)."""

from __future__ import annotations

import pathlib
import re
import shutil

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.tools.export import KERNEL_ONLY_NOTE, StaticLinksPreprocessor, export_html
from helpers.tools.slides import chapter_notebooks

CHAPTERS = chapter_notebooks()
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
LOCAL_REF = re.compile(r'\b(?:href|src)="([^"]*)"')
ROOT = pathlib.Path(__file__).resolve().parent.parent
KERNEL_HREF = re.compile(r'href="(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\]):\d+')


def dead_links(folder: pathlib.Path) -> list[str]:
    """Links relativos de todas as páginas de ``folder`` (recursivo) que não levam a um arquivo."""
    dead = []
    for page in folder.rglob("*.html"):
        for href in HREF.findall(page.read_text(encoding="utf-8")):
            if not href or href.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
                continue
            if not (page.parent / href.split("#")[0]).resolve().is_file():
                dead.append(f"{page.relative_to(folder)} → {href}")
    return dead


@pytest.fixture(scope="module")
def html_export(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("html")
    for notebook in CHAPTERS:
        export_html(notebook, out / f"{notebook.stem}.html")
    return out


def test_exported_html_has_no_dead_relative_links(html_export):
    assert (html_export / "docs" / "glossario.html").is_file()
    assert dead_links(html_export) == []


def test_exported_html_links_chapters_to_their_pages(html_export):
    page = (html_export / "00-boas-vindas.html").read_text(encoding="utf-8")
    assert 'href="01-http.html"' in page and ".ipynb" not in "".join(HREF.findall(page))


def test_a_document_links_back_to_the_chapter_page(html_export):
    page = (html_export / "docs" / "deploy-aws.html").read_text(encoding="utf-8")
    assert 'href="../07-escala.html"' in page


def test_copied_slides_keep_working_links(chapter_decks, tmp_path):
    copy = tmp_path / "pendrive" / "aula"
    shutil.copytree(chapter_decks, copy)
    assert dead_links(copy) == []
    assert (copy / "docs" / "guia-do-instrutor.html").is_file()
    # a cópia não pode depender do original nem do repositório: nenhum link ou recurso aponta
    # para um caminho absoluto do disco (a pasta original é de todos os testes e fica onde está)
    absolute = [f"{page.relative_to(copy)} → {ref}" for page in copy.rglob("*.html")
                for ref in LOCAL_REF.findall(page.read_text(encoding="utf-8"))
                if ref.startswith(("/", "file:")) or str(ROOT) in ref or str(chapter_decks) in ref]
    assert absolute == []


@pytest.mark.parametrize("folder", ["html", "slides"])
def test_no_static_page_links_to_a_kernel_port(folder, html_export, chapter_decks):
    out = html_export if folder == "html" else chapter_decks
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not KERNEL_HREF.search(text), f"{page.name} ainda aponta para uma porta do kernel"
    assert KERNEL_ONLY_NOTE in (out / next(out.glob("05-*.html")).name).read_text(encoding="utf-8")


def test_kernel_port_links_become_inert_text_with_a_note(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("Veja [a página](http://127.0.0.1:4242/) e [o RFC](https://www.rfc-editor.org/rfc/rfc6455)."),
        new_code_cell("x", outputs=[new_output("display_data", data={
            "text/html": '<a href="http://127.0.0.1:36627/?token=x" target="_blank">abrir o chat</a>',
            "text/plain": "link"})]),
    ])
    nb, _ = StaticLinksPreprocessor().preprocess(nb, {"curso_out": str(tmp_path), "curso_suffix": ".html"})
    text, html = nb.cells[0].source, nb.cells[1].outputs[0]["data"]["text/html"]
    assert "127.0.0.1" not in text and "127.0.0.1" not in html
    assert "abrir o chat" in html and KERNEL_ONLY_NOTE in html and KERNEL_ONLY_NOTE in text
    assert "(https://www.rfc-editor.org/rfc/rfc6455)" in text  # links da internet ficam
