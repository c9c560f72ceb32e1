"""O curso fala com a própria voz: nada que um aluno lê cita as notas de estudo de onde ele nasceu.

Os alunos nunca viram essas notas; "o seed" (ou "seed 000") não significa nada para eles. O curso
apresenta as ideias comuns com as próprias palavras ("é comum ver um chat feito assim…") e mostra,
medindo, o que é verdade.
"""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORD = re.compile(r"\bseeds?\b", re.I)
# chamadas a geradores pseudoaleatórios (``random.seed(6)``) não são texto para o aluno
CODE = re.compile(r"\.seed\(|\bseed\s*=|\bseed\)", re.I)

STUDENT_FACING = sorted(
    [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("docs/*.md"), ROOT / "README.md",
     *(p for p in ROOT.glob("helpers/**/*") if p.suffix in {".py", ".js", ".html", ".css"})]
)


@pytest.mark.parametrize("path", STUDENT_FACING, ids=[str(p.relative_to(ROOT)) for p in STUDENT_FACING])
def test_nothing_a_student_reads_mentions_the_source_notes(path):
    found = [line.strip()[:120] for line in path.read_text(encoding="utf-8").splitlines()
             if WORD.search(CODE.sub("", line))]
    assert found == [], f"{path.relative_to(ROOT)} cita as notas de origem: {found}"
