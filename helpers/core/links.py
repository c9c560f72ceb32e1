"""Links para portas do kernel que o navegador do aluno consegue abrir.

Introduzido no notebook 00; usado sempre que um capítulo serve uma página (chat, testes).

* Rodando localmente, o navegador e o kernel estão na mesma máquina: ``http://127.0.0.1:PORTA/``.
* No JupyterHub ou no Binder, o kernel roda num servidor remoto e o ``127.0.0.1`` dele não é o
  do aluno. O jupyter-server-proxy repassa ``{base_url}proxy/127.0.0.1:PORTA/`` para a porta do
  kernel, pela mesma conexão autenticada do JupyterLab. O JupyterHub (e portanto o Binder) define
  ``JUPYTERHUB_SERVICE_PREFIX`` com esse ``base_url``.
* Por que ``proxy/127.0.0.1:PORTA/`` e não a forma curta ``proxy/PORTA/``: a curta manda o proxy
  para ``localhost``, e em muitas máquinas ``localhost`` resolve primeiro para ``::1`` (IPv6).
  Nossos servidores escutam só em ``127.0.0.1``; o proxy até tenta o IPv4 depois de o IPv6 ser
  recusado, mas se outro programa escutar em ``[::1]:PORTA`` a página dele aparece no lugar da
  nossa (medido em ``tests/test_links.py``). ``127.0.0.1`` está na lista de hosts permitidos
  do jupyter-server-proxy por padrão (``ServerProxy.host_allowlist``).
* Num hub compartilhado (spawner local, The Littlest JupyterHub) todos os usuários dividem o
  mesmo ``127.0.0.1``: o kernel do Bruno alcança a porta do kernel da Ana sem passar pelo hub.
  Por isso os servidores do curso que o navegador abre (o chat do capítulo 05) escutam atrás de
  um segredo no caminho (``/SEGREDO/``, ``new_secret``): o link que o notebook mostra o leva, e
  quem tenta a porta sem ele recebe 403 (``tests/test_isolamento.py``).
* ``CURSO_PROXY_PREFIX`` força o modo proxy com outro prefixo (por exemplo ``/`` num
  ``jupyter lab`` local com o proxy), e ``CURSO_PROXY_PREFIX=`` vazio força o modo local.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from html import escape

__all__ = ["Link", "new_secret", "proxy_prefix", "strip_secret", "url_for_port"]

LOOPBACK = "127.0.0.1"  # onde os servidores do curso escutam (ver helpers.core.lifecycle)


def proxy_prefix(environ: dict[str, str] | None = None) -> str | None:
    """O prefixo do proxy (``/user/ana/``) ou ``None`` quando o acesso é direto."""
    env = os.environ if environ is None else environ
    if "CURSO_PROXY_PREFIX" in env:
        prefix = env["CURSO_PROXY_PREFIX"]
    else:
        prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if not prefix:
        return None
    return prefix if prefix.endswith("/") else prefix + "/"


def url_for_port(port: int, path: str = "/", environ: dict[str, str] | None = None) -> str:
    """URL que o navegador do aluno abre para chegar à ``port`` do kernel.

    >>> url_for_port(8000, environ={})
    'http://127.0.0.1:8000/'
    >>> url_for_port(8000, "/chat", environ={"JUPYTERHUB_SERVICE_PREFIX": "/user/ana/"})
    '/user/ana/proxy/127.0.0.1:8000/chat'
    """
    if not 0 < int(port) < 65536:
        raise ValueError(f"Porta inválida: {port!r} (use um número entre 1 e 65535).")
    path = path if path.startswith("/") else "/" + path
    prefix = proxy_prefix(environ)
    if prefix is None:
        return f"http://{LOOPBACK}:{port}{path}"
    return f"{prefix}proxy/{LOOPBACK}:{port}{path}"


def new_secret() -> str:
    """Um segredo novo para o caminho de um servidor (128 bits, seguro numa URL)."""
    return secrets.token_urlsafe(16)


def strip_secret(path: str, secret: str | None) -> str | None:
    """O caminho sem o prefixo ``/SEGREDO``, ou ``None`` se o segredo não está lá.

    >>> strip_secret("/abc/ws", "abc"), strip_secret("/ws", "abc"), strip_secret("/ws", None)
    ('/ws', None, '/ws')
    """
    if secret is None:
        return path
    head, sep, rest = path.removeprefix("/").partition("/")
    if not sep or not secrets.compare_digest(head.encode(), secret.encode()):
        return None
    return "/" + rest


@dataclass(frozen=True)
class Link:
    """Um link clicável no notebook para uma porta do kernel."""

    port: int
    path: str = "/"
    text: str = "abrir"

    @property
    def url(self) -> str:
        return url_for_port(self.port, self.path)

    def _repr_html_(self) -> str:
        return f'<a href="{escape(self.url)}" target="_blank" rel="noopener">{escape(self.text)}</a>'

    def __repr__(self) -> str:
        return f"{self.text}: {self.url}"
