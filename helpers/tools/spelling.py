"""Ortografia: o português dos notebooks e das mensagens dos helpers, conferido com o hunspell.

Para autores e mantenedores (não aparece nos notebooks). O teste ``tests/test_portugues.py``
roda esta conferência em tudo o que o aluno lê:

* as células de texto (markdown) de cada ``notebooks/NN-*.ipynb``;
* nas células de código, os textos entre aspas (``print``, rótulos de widgets) e os comentários;
* nos módulos ``helpers/**/*.py``, os textos entre aspas que são mensagens em português (dicas dos
  exercícios, erros, ``print``); os docstrings ficam de fora;
* em ``helpers/static/*.js``, os textos entre aspas dos widgets (rótulos, legendas);
* o ``README.md`` e os textos de ``docs/`` (glossário, guia do instrutor).

Fica de fora o que não é prosa: blocos e trechos de código (crases), URLs, alvos de links, tags
HTML, identificadores (``url_for_port``, ``helpers.core.links``, ``camelCase``), siglas em maiúsculas
(``HTTP``, ``TCP``) e palavras com algarismos. As palavras que o dicionário ``pt_BR`` não conhece
mas estão certas (termos técnicos, palavras de protocolo em inglês, nomes de programas) ficam na
lista revisada ``tests/palavras.txt``.

Precisa do ``hunspell`` e do dicionário ``pt_BR`` (Debian/Ubuntu: ``apt-get install hunspell
hunspell-pt-br``)::

    python -m helpers.spelling                          # tudo o que o teste confere
    python -m helpers.spelling notebooks/05-chat.ipynb  # só um notebook
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import pathlib
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import nbformat

from ..core.cli import ArgumentParser

__all__ = [
    "Text",
    "code_texts",
    "hunspell_available",
    "js_texts",
    "load_wordlist",
    "markdown_file_texts",
    "markdown_prose",
    "misspelled",
    "notebook_texts",
    "project_texts",
    "python_texts",
    "words",
]

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORDLIST = ROOT / "tests" / "palavras.txt"
DICTIONARY = "pt_BR"


@dataclass(frozen=True)
class Text:
    """Um trecho de prosa e de onde ele veio (para a mensagem de erro apontar o lugar).

    ``code`` diz que o trecho veio de dentro de um código (texto entre aspas ou comentário): ali,
    ``nome-com-hifens`` costuma ser um identificador (o nome de um servidor, um token) e não é
    conferido.
    """

    where: str
    text: str
    code: bool = False


# --- extrair a prosa ----------------------------------------------------------------------------

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_INDENTED = re.compile(r"^(?: {4,}|\t).*$", re.M)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<?\b(?:https?|ftp|file|wss?)://[^\s>)]*>?|\bwww\.\S+")
_TAG = re.compile(r"<[^>\n]+>")
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)


def markdown_prose(source: str) -> str:
    """O texto corrido de uma célula markdown, sem código, links, URLs, HTML e fórmulas."""
    text = _FENCE.sub(" ", source)
    text = _INDENTED.sub(" ", text)
    text = _CODE_SPAN.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(" ", text)
    return _MATH.sub(" ", text)


# Um texto entre aspas é mensagem em português se tem um acento ou uma destas palavras.
_ACCENT = re.compile(r"[áàâãéêíóôõúüçÁÀÂÃÉÊÍÓÔÕÚÇ]")
_PT_WORDS = {"o", "e", "é", "de", "da", "das", "do", "dos", "não", "para", "com", "uma", "um", "que", "em", "na",
             "nas", "nos", "no", "ao", "aos", "por", "mais", "sem", "ou", "foi", "está", "são",
             "se", "os", "as", "pelo", "pela"}
_LOOKS_LIKE_CODE = re.compile(r"^\s*(def |class |import |from \S+ import|return |async |await )|"
                              r"[{};]\s*$|=>|\bfunction\b|</?(svg|g|path|div|script)\b|"
                              r"\b(CREATE TABLE|SELECT .* FROM|INSERT INTO)\b", re.M)
_ATTRIBUTE = re.compile(r"[\w-]+=(\"[^\"]*\"|'[^']*')|</?[a-zA-Z][\w-]*|/?>")


def _code_prose(s: str) -> str:
    """Um texto de dentro do código, como prosa: sem crases, URLs, tags e atributos HTML."""
    s = _CODE_SPAN.sub(" ", s)
    s = _URL.sub(" ", s)
    s = _TAG.sub(" ", s)
    s = _ATTRIBUTE.sub(" ", s)
    return _ENTITY.sub(" ", s)


def _is_portuguese(s: str) -> bool:
    if not s or _LOOKS_LIKE_CODE.search(s):
        return False
    if _ACCENT.search(s):
        return True
    return bool({w.lower() for w in re.findall(r"[A-Za-z]+", s)} & _PT_WORDS)


def code_texts(source: str, where: str, *, comments: bool = True) -> Iterator[Text]:
    """Textos entre aspas em português (e comentários) de um código Python (pode ter ``await``
    solto, como numa célula de notebook). Docstrings ficam de fora."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        tree = compile(source, where, "exec", flags=flags, dont_inherit=True)
    except SyntaxError:  # uma célula com mágica do IPython (%time...), por exemplo
        return
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else " " for v in node.values]
            s = "".join(p for p in parts if isinstance(p, str))
            if _is_portuguese(s):
                yield Text(f"{where}:{node.lineno}", _code_prose(s), code=True)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if _is_portuguese(node.value):
                yield Text(f"{where}:{node.lineno}", _code_prose(node.value), code=True)
    if comments:
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type == tokenize.COMMENT and _is_portuguese(tok.string):
                    yield Text(f"{where}:{tok.start[0]}", _code_prose(tok.string.lstrip("#")), code=True)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass


# Os f-strings das células já entram inteiros pelo JoinedStr; os pedaços constantes de dentro
# deles também são Constant: filtramos as repetições por (linha, texto) em notebook_texts.


def notebook_texts(path: str | pathlib.Path) -> Iterator[Text]:
    """Prosa de um notebook: células markdown inteiras; textos e comentários das de código."""
    path = pathlib.Path(path)
    nb = nbformat.read(path, as_version=4)
    seen = set()
    for i, cell in enumerate(nb.cells, start=1):
        where = f"{path.name}, célula {i}"
        if cell.cell_type == "markdown":
            yield Text(where, markdown_prose(cell.source))
        elif cell.cell_type == "code":
            for t in code_texts(cell.source, where):
                if (t.where, t.text) not in seen:
                    seen.add((t.where, t.text))
                    yield t


def python_texts(path: str | pathlib.Path) -> Iterator[Text]:
    """Mensagens em português de um módulo Python (sem docstrings nem comentários)."""
    path = pathlib.Path(path)
    where = "/".join(path.parts[path.parts.index("helpers"):]) if "helpers" in path.parts else path.name
    seen = set()
    for t in code_texts(path.read_text(encoding="utf-8"), where, comments=False):
        if t.text not in seen:
            seen.add(t.text)
            yield t


_JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\\\"'])//[^\n]*", re.S)
_JS_STRING = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"|`((?:[^`\\]|\\.)*)`", re.S)


def js_texts(path: str | pathlib.Path) -> Iterator[Text]:
    """Textos entre aspas em português de um arquivo JavaScript (rótulos e legendas de widgets)."""
    path = pathlib.Path(path)
    source = _JS_COMMENT.sub(" ", path.read_text(encoding="utf-8"))
    for m in _JS_STRING.finditer(source):
        s = next(g for g in m.groups() if g is not None)
        s = re.sub(r"\$\{[^}]*\}", " ", s)
        if _is_portuguese(_TAG.sub(" ", s)):
            line = source.count("\n", 0, m.start()) + 1
            yield Text(f"helpers/static/{path.name}:{line}", _code_prose(s), code=True)


def markdown_file_texts(path: str | pathlib.Path) -> Iterator[Text]:
    """Prosa de um arquivo markdown (README, glossário, guia do instrutor), parágrafo a parágrafo."""
    path = pathlib.Path(path)
    source = re.sub(r"<!--.*?-->", " ", path.read_text(encoding="utf-8"), flags=re.S)
    line = 1
    for block in re.split(r"\n(?=#)", source):
        yield Text(f"{path.name}:{line}", markdown_prose(block))
        line += block.count("\n") + 1


def project_texts(root: str | pathlib.Path = ROOT) -> Iterator[Text]:
    """Tudo o que o aluno lê: notebooks, mensagens dos helpers, rótulos dos widgets, README e docs."""
    root = pathlib.Path(root)
    for nb in sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        yield from notebook_texts(nb)
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        if doc.is_file():
            yield from markdown_file_texts(doc)
    for module in sorted((root / "helpers").rglob("*.py")):
        yield from python_texts(module)
    for script in sorted((root / "helpers" / "static").glob("*.js")):
        yield from js_texts(script)


# --- palavras e dicionário ----------------------------------------------------------------------

_IDENTIFIER = re.compile(r"\S*(?:_|\w[./\\:?=&@$%#]\w|\w\(|::|[{}])\S*|(?<![\w-])--?[a-zA-Z][\w-]*")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# nomes do Python citados no texto ("uma função async def", "use sorted") não são erros
_PYTHON_NAMES = set(keyword.kwlist) | {n for n in dir(builtins) if n.islower()}


def words(text: str, *, code: bool = False) -> Iterator[str]:
    """As palavras a conferir: sem identificadores, siglas, ``camelCase`` ou algarismos.

    Com ``code=True`` (texto de dentro de um código), palavras com hífen também ficam de fora.
    """
    text = _IDENTIFIER.sub(" ", text)
    for m in _WORD.finditer(text):
        w = m.group().strip("-'’")
        if len(w) < 2 or any(c.isupper() for c in w[1:]):
            continue  # HTTP, TCP, WebSocket, SequenceDiagram: siglas e nomes de código
        start, end = m.start(), m.end()
        if (end < len(text) and text[end].isdigit()) or (start > 0 and text[start - 1].isdigit()):
            continue  # 4xx, 0xff, h11
        if re.match(r"-\d", text[end:end + 2]):
            continue  # us-east-1, latin-1
        if start > 0 and text[start - 1] == ".":
            continue  # extensões: .py, .ipynb
        if w in _PYTHON_NAMES or (code and "-" in w):
            continue
        yield w


def load_wordlist(path: str | pathlib.Path = WORDLIST) -> set[str]:
    """A lista revisada de palavras aceitas (uma por linha; ``#`` começa um comentário)."""
    accepted = set()
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            accepted.add(word)
    return accepted


def hunspell_available(dictionary: str = DICTIONARY) -> str | None:
    """``None`` se o hunspell e o dicionário existem; senão, o motivo (em português)."""
    if shutil.which("hunspell") is None:
        return "hunspell não instalado (Debian/Ubuntu: apt-get install hunspell hunspell-pt-br)"
    probe = subprocess.run(["hunspell", "-d", dictionary, "-l"], input="casa\n", capture_output=True,
                           text=True, timeout=30)
    if probe.returncode != 0 or "Can't open" in probe.stderr:
        return f"dicionário {dictionary} do hunspell não encontrado (apt-get install hunspell-pt-br)"
    return None


def _unknown(candidates: Iterable[str], dictionary: str) -> set[str]:
    result = subprocess.run(["hunspell", "-d", dictionary, "-l", "-i", "utf-8"],
                            input="\n".join(sorted(set(candidates))) + "\n",
                            capture_output=True, text=True, timeout=120, check=True)
    return set(result.stdout.split())


def _accepted(word: str, wordlist: set[str]) -> bool:
    return word in wordlist or word.lower() in wordlist or word.capitalize() in wordlist


def misspelled(texts: Iterable[Text], wordlist: set[str] | None = None,
               dictionary: str = DICTIONARY) -> list[tuple[str, str]]:
    """``[(onde, palavra), ...]`` que nem o dicionário nem a lista conhecem, na ordem do texto."""
    wordlist = load_wordlist() if wordlist is None else wordlist
    found = [(t.where, w) for t in texts for w in words(t.text, code=t.code)]
    unknown = _unknown((w for _, w in found), dictionary)
    out = []
    for where, w in found:
        if _accepted(w, wordlist):
            continue
        # o hunspell confere as partes de um composto que não conhece (keep-alive → keep, alive)
        if any(p in unknown and not _accepted(p, wordlist) for p in re.split(r"[-'’]", w)):
            out.append((where, w))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m helpers.spelling",
                            description="Confere a ortografia (hunspell pt_BR + tests/palavras.txt).")
    parser.add_argument("files", nargs="*", help="notebooks, módulos .py ou .js (padrão: o curso inteiro)")
    args = parser.parse_args(argv)
    reason = hunspell_available()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    texts: list[Text] = []
    for name in args.files:
        path = pathlib.Path(name)
        reader = {".ipynb": notebook_texts, ".py": python_texts, ".js": js_texts,
                  ".md": markdown_file_texts}.get(path.suffix)
        if reader is None or not path.is_file():
            print(f"Não sei conferir {name}", file=sys.stderr)
            return 2
        texts.extend(reader(path))
    problems = misspelled(texts if args.files else project_texts())
    for where, word in problems:
        print(f"{where}: {word}")
    if problems:
        print(f"✘ {len(problems)} palavra(s) desconhecida(s): corrija ou, se estiver certa, "
              f"acrescente a {WORDLIST.relative_to(ROOT)}")
        return 1
    print("✔ nenhuma palavra desconhecida")
    return 0


if __name__ == "__main__":
    sys.exit(main())
