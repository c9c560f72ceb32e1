"""O protocolo do chat: mensagens JSON com um campo ``action``, validadas por funções puras.

Introduzido no notebook 05 (Chat ao vivo). Nada de rede aqui: texto entra, um ``Request``
validado (ou um ``BadMessage`` com a explicação em português) sai. O servidor
(``helpers.chat.server``) só move bytes e chama estas funções; os testes (``tests/test_chatproto.py``)
não abrem nenhum socket.

Cliente → servidor (o campo ``action`` escolhe a rota, como o ``$request.body.action`` do API
Gateway no capítulo 07)::

    {"action": "join", "nick": "Ana"}                 entrar (opcional: "since", "token", "client")
    {"action": "send", "text": "Oi!"}                 mandar (opcional: "seq", para reenvios)
    {"action": "history", "since": 10, "limit": 50}   pedir mensagens antigas
    {"action": "typing"}                              "estou digitando"
    {"action": "leave"}                               sair (o servidor fecha com 1000)

Servidor → cliente (o campo ``type`` diz o que é)::

    {"type": "welcome", "nick": "Ana", "online": ["Ana", "Bruno"], "last_id": 41}
    {"type": "history", "messages": [...], "more": false}
    {"type": "message", "id": 42, "ts": "2025-03-14T15:09:26.535Z", "nick": "Ana", "text": "Oi!"}
    {"type": "presence", "online": ["Ana", "Bruno"], "joined": "Ana"}   (ou "left")
    {"type": "typing", "nick": "Ana"}
    {"type": "ack", "seq": 7, "id": 42}          (só para quem entrou com "client" e mandou "seq")
    {"type": "error", "error": "explicação em português", "action": "send"}

A regra do ``Origin`` (``origin_allowed``) também mora aqui, por ser uma função pura.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

__all__ = [
    "ACTIONS",
    "MAX_LIMIT",
    "MAX_NICK",
    "MAX_SIZE",
    "MAX_TEXT",
    "PAGE",
    "BadMessage",
    "Request",
    "encode",
    "error",
    "history_pages",
    "origin_allowed",
    "parse",
]

ACTIONS = ("join", "send", "history", "typing", "leave")
MAX_TEXT = 500  # caracteres por mensagem (o mesmo limite da API HTTP do capítulo 03)
MAX_NICK = 40  # caracteres num apelido
MAX_LIMIT = 500  # mensagens por pedido de histórico
PAGE = 200  # mensagens por frame de histórico (200 × ~2 KB cabe no 1 MiB padrão do cliente)
MAX_SIZE = 8 * 1024  # bytes por mensagem recebida; acima disso o websockets fecha com 1009

_EXAMPLE = '{"action": "send", "text": "Oi!"}'


class BadMessage(ValueError):
    """Mensagem fora do protocolo; o texto é a explicação, em português, para quem a mandou."""

    def __init__(self, message: str, action: str | None = None):
        super().__init__(message)
        self.action = action


@dataclass(frozen=True)
class Request:
    """Uma mensagem de cliente já validada. Só os campos da ação vêm preenchidos."""

    action: str
    nick: str = ""
    text: str = ""
    since: int | None = None
    limit: int = MAX_LIMIT
    token: str | None = None
    client: str | None = None
    seq: int | None = None

    def __repr__(self) -> str:  # só os campos preenchidos: Request(action='send', text='Oi!')
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                 if f.name == "action" or getattr(self, f.name) != f.default]
        return f"Request({', '.join(shown)})"


def _shown(value: object, limit: int = 20) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(text[:limit] + ("…" if len(text) > limit else ""), ensure_ascii=False)


def _text_field(data: dict, name: str, action: str, maximum: int, what: str) -> str:
    value = data.get(name)
    if value is None:
        raise BadMessage(f'Falta o campo "{name}" ({what}) na ação "{action}".', action)
    if not isinstance(value, str) or not value.strip():
        raise BadMessage(f'O campo "{name}" deve ser um texto não vazio ({what}).', action)
    if len(value) > maximum:
        raise BadMessage(f'O campo "{name}" é longo demais: {len(value)} caracteres; o máximo é '
                         f"{maximum}.", action)
    return value


def _int_field(data: dict, name: str, action: str, default: int | None, minimum: int = 0,
               maximum: int | None = None) -> int | None:
    value = data.get(name)
    if value is None:
        return default
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if not ok or (maximum is not None and value > maximum):
        limits = f"entre {minimum} e {maximum}" if maximum is not None else f"≥ {minimum}"
        raise BadMessage(f'O campo "{name}" deve ser um número inteiro {limits}, mas veio '
                         f"{_shown(value)}.", action)
    return value


def _optional_str(data: dict, name: str, action: str, maximum: int = 100) -> str | None:
    value = data.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > maximum):
        raise BadMessage(f'O campo "{name}" deve ser um texto de até {maximum} caracteres.', action)
    return value


def parse(raw: str | bytes) -> Request:
    """Valida uma mensagem recebida e devolve o ``Request``; levanta ``BadMessage`` se não der."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        raise BadMessage(f"Mensagens binárias não são aceitas: envie texto JSON, como {_EXAMPLE}.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadMessage(f"Não entendi: a mensagem não é JSON válido. Envie algo como {_EXAMPLE}.") from None
    if not isinstance(data, dict):
        raise BadMessage(f"A mensagem deve ser um objeto JSON com o campo \"action\", como {_EXAMPLE}.")
    action = data.get("action")
    if action is None:
        raise BadMessage(f'Falta o campo "action" (o que você quer fazer: {", ".join(ACTIONS)}).')
    if action not in ACTIONS:
        raise BadMessage(f"Ação desconhecida: {_shown(action)}. As ações são: {', '.join(ACTIONS)}.")
    if action == "join":
        return Request(
            action,
            nick=_text_field(data, "nick", action, MAX_NICK, "o seu apelido").strip(),
            since=_int_field(data, "since", action, None),
            token=_optional_str(data, "token", action),
            client=_optional_str(data, "client", action, 64),
        )
    if action == "send":
        return Request(action, text=_text_field(data, "text", action, MAX_TEXT, "a mensagem"),
                       seq=_int_field(data, "seq", action, None, minimum=1))
    if action == "history":
        return Request(action, since=_int_field(data, "since", action, 0),
                       limit=_int_field(data, "limit", action, MAX_LIMIT, 1, MAX_LIMIT))
    return Request(action)


def error(message: str, action: str | None = None) -> dict:
    """O evento de erro que só quem errou recebe."""
    event = {"type": "error", "error": message}
    if action is not None:
        event["action"] = action
    return event


def history_pages(messages: list[dict], page: int = PAGE) -> list[dict]:
    """Eventos ``history`` com no máximo ``page`` mensagens cada (ao menos um, mesmo vazio)."""
    chunks = [messages[i : i + page] for i in range(0, len(messages), page)] or [[]]
    return [{"type": "history", "messages": chunk, "more": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)]


def encode(event: dict) -> str:
    """JSON compacto, com acentos como estão ("Olá", não "Ol\\u00e1")."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def origin_allowed(origin: str | None, host: str | None, allowed: frozenset[str] | set[str] = frozenset()) -> bool:
    """A regra do header ``Origin`` no handshake (RFC 6455 §10.2), contra *cross-site WebSocket
    hijacking*: uma página de outro site abrindo um WebSocket para o nosso servidor.

    * Sem ``Origin``: aceita. Navegadores sempre mandam o header; quem não manda é um programa
      (o cliente Python do notebook), que não carrega os cookies nem a sessão de ninguém.
    * ``Origin`` com o mesmo endereço (host e porta) do header ``Host``: aceita. É a página que o
      próprio servidor entregou, aberta direto (``http://127.0.0.1:8765`` → ``Host:
      127.0.0.1:8765``) ou pelo jupyter-server-proxy no JupyterHub/Binder, que repassa ``Host`` e
      ``Origin`` do navegador sem mudar (os dois com o endereço do hub) e, antes disso, já
      confere ele mesmo que a página é do hub.
    * ``Origin`` numa lista explícita (``allowed``, opção ``--origem`` da linha de comando):
      aceita.
    * Qualquer outro (outro site, ``null`` de um arquivo local): recusa com 403.
    """
    if origin is None:
        return True
    if origin.rstrip("/") in {o.rstrip("/") for o in allowed}:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or not host:
        return False
    default = {"http": ":80", "https": ":443"}[parts.scheme]
    origin_host = parts.netloc.lower().removesuffix(default)
    return origin_host == host.lower().removesuffix(":80").removesuffix(":443")
