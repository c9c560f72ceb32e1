#!/usr/bin/env python3
"""Traz do registro npm os poucos arquivos do reveal.js que os slides offline usam.

Uso (mantenedores; precisa do ``npm``)::

    python3 scripts/vendor_reveal.py            # a versão fixada abaixo
    python3 scripts/vendor_reveal.py 5.2.1

O pacote ``reveal.js`` é baixado com ``npm pack`` numa pasta temporária e só isto vai para
``helpers/static/reveal/`` (usado por ``helpers.tools.slides``):

* ``reveal.js`` e ``reveal.css`` (``dist/``): o motor dos slides;
* ``white.css`` (``dist/theme/white.css``) **sem** a linha ``@import`` das fontes Source Sans
  Pro: os slides usam as fontes do sistema, e nenhum arquivo de fonte (1,8 MB) é copiado;
* ``notes.js`` (``plugin/notes/notes.js``): a visão do apresentador (tecla S) com as notas;
* ``LICENSE`` (MIT) e ``VERSION``.

Por que a 5.x e não a 6.x: na 6.x o tema ``white.css`` embute as fontes (575 KB por tema);
na 5.x o tema tem 7 KB e as fontes ficam à parte.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

VERSION = "5.2.1"
ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = ROOT / "helpers" / "static" / "reveal"
FILES = {
    "package/dist/reveal.js": "reveal.js",
    "package/dist/reveal.css": "reveal.css",
    "package/dist/theme/white.css": "white.css",
    "package/plugin/notes/notes.js": "notes.js",
    "package/LICENSE": "LICENSE",
}
FONT_IMPORT = re.compile(r"^@import url\(\./fonts/[^)]*\);\n", re.M)


def main(version: str = VERSION) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"reveal.js@{version}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        (tarball,) = pathlib.Path(tmp).glob("reveal.js-*.tgz")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            for member, name in FILES.items():
                data = tar.extractfile(member).read()
                if name == "white.css":
                    text, n = FONT_IMPORT.subn("", data.decode("utf-8"))
                    if n != 1:
                        sys.exit(f"esperava um @import de fontes em {member}, achei {n}")
                    data = text.encode("utf-8")
                (TARGET / name).write_bytes(data)
    (TARGET / "VERSION").write_text(
        f"reveal.js {version} (npm), arquivos de dist/ e plugin/notes/; white.css sem o @import "
        "das fontes. Gerado por scripts/vendor_reveal.py.\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in TARGET.iterdir())
    print(f"✔ reveal.js {version} em {TARGET.relative_to(ROOT)} ({total / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
