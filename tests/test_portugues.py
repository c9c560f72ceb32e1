"""O português do curso: ortografia (hunspell pt_BR + tests/palavras.txt) e termos consistentes.

A conferência cobre tudo o que o aluno lê (helpers.tools.spelling): as células de texto de cada
``notebooks/NN-*.ipynb``, os textos e comentários das células de código, as mensagens dos
``helpers/*.py`` e os rótulos dos widgets em ``helpers/static/*.js``. Sem o hunspell (ou sem o
dicionário pt_BR), os testes que precisam dele são pulados com o motivo; o ``.ci/run`` instala
os dois.
"""

from __future__ import annotations

import functools
import re
import subprocess

import pytest

from helpers.tools.spelling import (
    WORDLIST,
    Text,
    code_texts,
    hunspell_available,
    js_texts,
    load_wordlist,
    markdown_prose,
    misspelled,
    project_texts,
    words,
)
from helpers.tools.spelling import main as spelling_main

MISSING = hunspell_available()
needs_hunspell = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@functools.cache
def all_texts() -> tuple[Text, ...]:
    return tuple(project_texts())


# --- o que entra na conferência (sem hunspell) ---------------------------------------------------


def test_markdown_prose_drops_code_links_urls_and_html():
    source = (
        "Veja o `registry.stop_all()` e o [capítulo 01](01-http.ipynb) em https://exemplo.com/x.\n"
        "\n"
        "```python\nimport asyncio  # nada disto entra\n```\n"
        "\n"
        "    cliente ──▶ tap (bloco indentado é código)\n"
        "\n"
        '<img src="../images/x.svg" alt="figura"> ![um desenho](../images/y.svg) $x^2$'
    )
    prose = markdown_prose(source)
    assert "capítulo 01" in prose and "um desenho" in prose and "Veja" in prose
    for gone in ("stop_all", "01-http.ipynb", "exemplo.com", "asyncio", "nada disto", "bloco",
                 "img", "x.svg", "x^2"):
        assert gone not in prose


def test_words_skip_identifiers_acronyms_and_numbers():
    found = list(words("O helpers.core.links usa url_for_port com HTTP e WebSocket em 4xx, 0xff, h11; "
                       "rode com --host e abra o .ipynb: tudo bem-vindo."))
    assert found == ["usa", "com", "em", "rode", "com", "abra", "tudo", "bem-vindo"]  # 1 letra: fora
    assert "keep" not in list(words("um id-de-servidor", code=True))  # hífen em código: identificador
    assert list(words("keep-alive")) == ["keep-alive"]


def test_code_texts_take_messages_and_comments_but_not_docstrings_or_code_strings():
    source = '''
"""Docstring do módulo, fora da conferência."""
import json

async def f():
    """Docstring de função, fora também."""
    print(f"✔ o servidor respondeu {1 + 1} vezes")  # comentário em português
    x = "GET / HTTP/1.1"
    raise ValueError("Porta inválida: use um número de 1 a 65535")

await f()
'''
    texts = [t.text for t in code_texts(source, "celula")]
    assert any("o servidor respondeu" in t for t in texts)
    assert any("comentário em português" in t for t in texts)
    assert any("Porta inválida" in t for t in texts)
    assert not any("Docstring" in t for t in texts)
    assert not any("GET /" in t for t in texts)  # sem marca de português: não é prosa
    assert all(t.code for t in code_texts(source, "celula"))


def test_js_texts_take_widget_labels(tmp_path):
    script = tmp_path / "w.js"
    script.write_text(
        "// comentário: fora\n"
        "const label = 'cabeçalho';\n"
        'el.title = "Clique numa seta para ver os bytes";\n'
        "const html = `<b>payload ${n} B</b> na rede`;\n"
        'const cls = "curso-dis-sizes";\n',
        encoding="utf-8",
    )
    texts = [t.text for t in js_texts(script)]
    assert any("cabeçalho" in t for t in texts)
    assert any("Clique numa seta" in t for t in texts)
    assert any("na rede" in t and "<b>" not in t for t in texts)
    assert not any("comentário" in t or "curso-dis" in t for t in texts)


def test_project_texts_cover_notebooks_helpers_and_widgets():
    wheres = {t.where.split(",")[0].split(":")[0] for t in all_texts()}
    assert "00-boas-vindas.ipynb" in wheres and "01-http.ipynb" in wheres
    assert "helpers/exercises/grader.py" in wheres or "helpers/core/lifecycle.py" in wheres
    assert any(w.startswith("helpers/static/") for w in wheres)


def test_wordlist_has_no_duplicates_and_is_lowercase():
    entries = [line.split("#", 1)[0].strip() for line in WORDLIST.read_text(encoding="utf-8").splitlines()]
    entries = [e for e in entries if e]
    assert len(entries) == len(set(entries)), "palavras repetidas em tests/palavras.txt"
    assert [e for e in entries if e != e.lower()] == []


# --- com o hunspell -----------------------------------------------------------------------------


@needs_hunspell
def test_checker_catches_real_misspellings():
    texts = [Text("exemplo", "A requisiçao abriu uma conexao; o keep-alive e o `asyncio` estão certos.")]
    assert [w for _, w in misspelled(texts)] == ["requisiçao", "conexao"]
    assert [w for _, w in misspelled([Text("x", "um kepp-alive")])] == ["kepp-alive"]


@needs_hunspell
def test_wordlist_only_has_words_the_dictionary_does_not_know():
    wordlist = load_wordlist()
    result = subprocess.run(["hunspell", "-d", "pt_BR", "-l", "-i", "utf-8"],
                            input="\n".join(sorted(wordlist)) + "\n", capture_output=True, text=True)
    unknown = set(result.stdout.split())
    redundant = sorted(w for w in wordlist if w not in unknown and not set(re.split(r"[-']", w)) & unknown)
    assert redundant == [], f"o dicionário já conhece (tire de tests/palavras.txt): {redundant}"


@needs_hunspell
def test_everything_students_read_is_spelled_correctly():
    problems = misspelled(all_texts())
    listing = "\n".join(f"  {where}: {word}" for where, word in problems[:60])
    assert not problems, (
        f"{len(problems)} palavra(s) que nem o dicionário pt_BR nem tests/palavras.txt conhecem "
        f"(corrija, ou acrescente à lista se estiver certa):\n{listing}"
    )


@needs_hunspell
def test_cli_checks_one_notebook(tmp_path, capsys):
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    nb = new_notebook(cells=[new_markdown_cell("Uma requisiçao sem cedilha no lugar certo.")])
    nbformat.write(nb, tmp_path / "99-x.ipynb")
    assert spelling_main([str(tmp_path / "99-x.ipynb")]) == 1
    assert "99-x.ipynb, célula 1: requisiçao" in capsys.readouterr().out


# --- termos consistentes (docs/glossario.md) -----------------------------------------------------

# grafia do curso ← variantes a evitar no texto corrido dos notebooks
PREFERRED = {
    "WebSocket": r"\b(?!WebSocket)[Ww]eb[ -]?[Ss]ocket",
    "long polling": r"\b[Ll]ong-polling\b|\b[Ll]ongpolling\b",
    "handshake": r"\b[Hh]and[ -]shakes?\b",
    "status code": r"\bstatus-codes?\b",
}


@pytest.mark.parametrize("term", PREFERRED)
def test_notebooks_spell_terms_the_same_way(term):
    bad = []
    for t in all_texts():
        if t.code or ".ipynb, célula" not in t.where:
            continue  # só o texto corrido dos notebooks
        prose = re.sub(r"\S*\w\.\w\S*", " ", t.text)  # nomes de arquivo (04-websocket.ipynb)
        bad += [f"{t.where}: {m.group()}" for m in re.finditer(PREFERRED[term], prose)]
    assert bad == [], f"escreva {term!r} (docs/glossario.md): {bad}"
