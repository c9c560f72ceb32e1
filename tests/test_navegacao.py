"""Navegação entre os capítulos: anterior, próximo e o mapa do 00; todo link e imagem existe.

Vale para todo ``notebooks/NN-*.ipynb`` presente (um capítulo novo entra sozinho):

* a primeira célula de texto de cada capítulo (menos o 00) tem um link para o capítulo anterior e
  para o mapa (``00-boas-vindas.ipynb#O-mapa-do-curso``; a âncora é opcional);
* a última célula de texto tem um link para o próximo capítulo, se ele existe; se ainda não existe,
  ela o cita como “(em preparação)”, sem link (o 07 é o último e não precisa de próximo);
* o mapa do 00 tem um link para cada capítulo que existe;
* todo link relativo e toda imagem de todo notebook aponta para um arquivo que existe; um link com
  ``#âncora`` para um notebook aponta para um título que existe nele.
"""

from __future__ import annotations

import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
BY_NUMBER = {int(p.name[:2]): p for p in CHAPTERS}
LAST_CHAPTER = 7
MAP = "00-boas-vindas.ipynb#O-mapa-do-curso"

_CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$|`+[^`\n]*`+", re.M | re.S)
_MD_TARGET = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_TARGET = re.compile(r"<(?:img|a|source)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", re.I)


def markdown_cells(path: pathlib.Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def targets(source: str) -> list[str]:
    text = _CODE.sub(" ", source)
    return _MD_TARGET.findall(text) + _HTML_TARGET.findall(text)


def links_to(source: str, name: str) -> bool:
    return any(t.split("#")[0] == name for t in targets(source))


def heading_ids(path: pathlib.Path) -> set[str]:
    """As âncoras dos títulos, como o JupyterLab e o nbconvert as criam (espaços viram hífens)."""
    ids = set()
    for source in markdown_cells(path):
        for line in _CODE.sub(" ", source).splitlines():
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                text = re.sub(r"[*_`]", "", m[1])
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
                ids.add(text.replace(" ", "-"))
    return ids


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_first_cell_links_to_the_previous_chapter_and_the_map(path):
    number = int(path.name[:2])
    if number == 0:
        pytest.skip("o 00 é o próprio mapa")
    first = markdown_cells(path)[0]
    assert links_to(first, "00-boas-vindas.ipynb"), (
        f"{path.name}: a primeira célula deve ter um link para o mapa ({MAP})")
    previous = BY_NUMBER.get(number - 1)
    if previous is not None:
        assert links_to(first, previous.name), f"{path.name}: falta o link para {previous.name} no topo"
    else:
        assert "em preparação" in first, (
            f"{path.name}: o capítulo {number - 1:02d} ainda não existe; cite-o como “(em preparação)”")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_last_cell_points_to_the_next_chapter(path):
    number = int(path.name[:2])
    if number >= LAST_CHAPTER:
        pytest.skip("o último capítulo não tem próximo")
    last = markdown_cells(path)[-1]
    following = BY_NUMBER.get(number + 1)
    if following is not None:
        assert links_to(last, following.name), (
            f"{path.name}: a última célula deve ter um link para {following.name}")
    else:
        assert "em preparação" in last and f"{number + 1:02d}" in last, (
            f"{path.name}: cite o capítulo {number + 1:02d}, que ainda não existe, como “(em preparação)”")


def test_the_map_in_00_links_every_chapter():
    welcome = BY_NUMBER[0]
    (map_cell,) = [s for s in markdown_cells(welcome) if s.startswith("## O mapa do curso")]
    for number, path in BY_NUMBER.items():
        if number:
            assert links_to(map_cell, path.name), f"o mapa do 00 não tem link para {path.name}"
    assert "O-mapa-do-curso" in heading_ids(welcome)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_relative_link_and_image_exists(path):
    broken = []
    for i, source in enumerate(markdown_cells(path), start=1):
        for target in targets(source):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:, data:
                continue
            file_part, _, anchor = target.partition("#")
            if not file_part:
                if anchor and anchor not in heading_ids(path):
                    broken.append(f"célula de texto {i}: #{anchor} (título inexistente)")
                continue
            resolved = (path.parent / file_part).resolve()
            if not resolved.exists():
                broken.append(f"célula de texto {i}: {target}")
            elif anchor and resolved.suffix == ".ipynb" and anchor not in heading_ids(resolved):
                broken.append(f"célula de texto {i}: {target} (título inexistente)")
    assert broken == [], f"{path.name}: links ou imagens que não existem:\n" + "\n".join(broken)


def test_images_are_named_after_the_chapter_that_uses_them():
    used: dict[str, set[str]] = {}
    for path in CHAPTERS:
        for source in markdown_cells(path):
            for target in targets(source):
                if "images/" in target:
                    used.setdefault(pathlib.PurePath(target).name, set()).add(path.name[:2])
    for image, chapters in used.items():
        assert image[:2] in chapters, f"{image} é usada em {sorted(chapters)}: o nome começa pelo capítulo"


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_links_in_readme_and_docs_exist(doc):
    broken = []
    for target in targets(doc.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue
        if not (doc.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert broken == [], f"{doc.name}: links que não levam a nada: {broken}"
