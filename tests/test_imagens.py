"""As figuras de images/: geradas pelo script do repositório, SVG autossuficiente, nomes com prefixo."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "images"
SVG_NS = "{http://www.w3.org/2000/svg}"


def load_script():
    spec = importlib.util.spec_from_file_location("gerar_imagens", ROOT / "scripts" / "gerar_imagens.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = load_script()
SVGS = sorted(IMAGES.glob("*.svg"))


def test_committed_figures_are_what_the_script_draws():
    for name, draw in SCRIPT.FIGURES.items():
        path = IMAGES / name
        assert path.exists(), f"falta {name}: rode python3 scripts/gerar_imagens.py"
        assert path.read_text(encoding="utf-8") == draw(), (
            f"{name} não é o que scripts/gerar_imagens.py desenha: rode o script de novo")


def test_drawing_twice_gives_the_same_bytes():
    for draw in SCRIPT.FIGURES.values():
        assert draw() == draw()


@pytest.mark.parametrize("path", SVGS, ids=[p.name for p in SVGS])
def test_svg_is_well_formed_accessible_and_self_contained(path):
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", "")), "sem viewBox: não escala"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text and len(title.text) > 10, "sem <title> (leitores de tela)"
    assert root.find(f"{SVG_NS}desc") is not None
    # nada que o navegador buscaria fora do arquivo (a figura tem de abrir offline)
    assert not re.search(r"(?:href|src)\s*=\s*[\"'](?!#)", text), "referência externa"
    assert "@import" not in text and not re.search(r"url\((?!#)", text)
    assert "<script" not in text.lower() and "<image" not in text.lower()


def test_every_image_is_named_after_a_chapter_or_the_readme():
    for path in IMAGES.iterdir():
        if path.name.startswith("."):
            continue
        assert re.match(r"^(\d\d-[a-z0-9-]+|readme-[a-z0-9-]+)\.(svg|png)$", path.name), (
            f"{path.name}: use NN-descricao.svg (NN = capítulo) ou readme-descricao.png")


def test_readme_screenshots_exist_and_are_real_pngs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shots = re.findall(r"\]\((images/readme-[^)]+\.png)\)", readme)
    assert shots, "o README deve mostrar ao menos uma captura de tela de images/readme-*.png"
    for shot in shots:
        data = (ROOT / shot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and 10_000 < len(data) < 600_000, shot


def test_html_export_and_slides_embed_the_course_figures(tmp_path):
    """O nbconvert só embute imagens da pasta do notebook; as de ../images/ entram pelo
    InlineImagesPreprocessor (helpers.tools.export), na página HTML e nos slides."""
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from helpers.tools.export import export_html
    from helpers.tools.slides import export_slides

    figure = SVGS[0]
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / figure.name).write_bytes(figure.read_bytes())
    (tmp_path / "notebooks").mkdir()
    nb = new_notebook(cells=[new_markdown_cell(
        f"# Figura\n\n![a figura](../images/{figure.name})\n\n"
        f'<img src="../images/{figure.name}" alt="de novo">\n\n'
        "![longe demais](../../fora.svg) ![remota](https://exemplo.com/x.png)")])
    nbformat.write(nb, tmp_path / "notebooks" / "99-figura.ipynb")
    (tmp_path.parent / "fora.svg").write_text("<svg/>")
    for page in (export_html(tmp_path / "notebooks" / "99-figura.ipynb", tmp_path / "out" / "f.html"),
                 export_slides(tmp_path / "notebooks" / "99-figura.ipynb", tmp_path / "out")):
        text = page.read_text(encoding="utf-8")
        assert text.count('src="data:image/svg+xml;base64,') == 2, page.name
        assert f"../images/{figure.name}" not in text
        assert 'src="../../fora.svg"' in text  # fora da pasta do curso: não é lido
        assert 'src="https://exemplo.com/x.png"' in text
