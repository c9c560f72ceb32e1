"""O protocolo do chat, nos dois sentidos: mensagens JSON construídas e validadas por funções puras.

Introduzido no notebook 05 (Chat ao vivo). Nada de rede aqui. Cliente → servidor: ``parse``
recebe o texto e devolve um ``Request`` validado (ou levanta ``BadMessage`` com a explicação em
português); ``join_request``, ``send_request``... montam essas mensagens. Servidor → cliente:
``welcome_event``, ``message_event``... montam cada evento, ``parse_event`` lê um evento recebido.
``label`` resume uma mensagem para o diagrama de sequência; ``LIMITS`` são os limites que o
servidor, o widget e a página do navegador usam (o JavaScript os recebe daqui, não os repete).
O servidor (``helpers.chat.server``) e o cliente (``helpers.chat.widget``) só movem bytes e
chamam estas funções; os testes (``tests/test_chatproto.py``) não abrem nenhum socket.

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
    {"type": "presence", "joined": "Ana", "count": 2}   (ou "left"; a lista só no welcome)
    {"type": "typing", "nick": "Ana"}
    {"type": "ack", "seq": 7, "id": 42}          (só para quem entrou com "client" e mandou "seq")
    {"type": "error", "error": "explicação em português", "action": "send"}

A regra do ``Origin`` (``origin_allowed``) também mora aqui, por ser uma função pura.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from ..protocols.wsframes import Opcode
from ..traffic.wsdecode import WsFrame

__all__ = [
    "ACTIONS",
    "EVENTS",
    "LIMITS",
    "MAX_ID",
    "MAX_LIMIT",
    "MAX_NICK",
    "MAX_SIZE",
    "MAX_TEXT",
    "PAGE",
    "TYPING_EVERY",
    "TYPING_SHOWN",
    "BadMessage",
    "Request",
    "ack_event",
    "encode",
    "error_event",
    "frame_label",
    "history_pages",
    "history_request",
    "join_request",
    "label",
    "leave_request",
    "message_event",
    "origin_allowed",
    "parse",
    "parse_event",
    "presence_event",
    "send_request",
    "typing_event",
    "typing_request",
    "welcome_event",
]

ACTIONS = ("join", "send", "history", "typing", "leave")  # cliente → servidor
EVENTS = ("welcome", "history", "message", "presence", "typing", "ack", "error")  # servidor → cliente
MAX_TEXT = 500  # caracteres por mensagem (o mesmo limite da API HTTP do capítulo 03)
MAX_NICK = 40  # caracteres num apelido
MAX_LIMIT = 500  # mensagens por pedido de histórico
PAGE = 200  # mensagens por frame de histórico (200 × ~2 KB cabe no 1 MiB padrão do cliente)
MAX_ID = 2**63 - 1  # o maior inteiro do SQLite (ids, since, seq): acima disso é erro do cliente
MAX_SIZE = 8 * 1024  # bytes por mensagem recebida; acima disso o websockets fecha com 1009
TYPING_EVERY = 1.5  # segundos: um cliente manda no máximo um "typing" a cada TYPING_EVERY
TYPING_SHOWN = 2.0  # segundos que "fulano está digitando…" fica na tela

# O que os clientes no navegador precisam saber (a caixa do notebook recebe por um trait do
# widget; a página do chat, num atributo que o servidor preenche): o JavaScript não repete números.
LIMITS = {"max_text": MAX_TEXT, "max_nick": MAX_NICK,
          "typing_every_ms": round(TYPING_EVERY * 1000), "typing_shown_ms": round(TYPING_SHOWN * 1000)}

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
               maximum: int = MAX_ID) -> int | None:
    value = data.get(name)
    if value is None:
        return default
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if ok and value > maximum == MAX_ID:  # o banco (SQLite) guarda inteiros de 64 bits
        raise BadMessage(f'O campo "{name}" é grande demais: o máximo é 2⁶³ − 1.', action)
    if not ok or value > maximum:
        limits = f"entre {minimum} e {maximum}" if maximum != MAX_ID else f"≥ {minimum}"
        raise BadMessage(f'O campo "{name}" deve ser um número inteiro {limits}, mas veio '
                         f"{_shown(value)}.", action)
    return value


def _nick(nick: str) -> str:
    """Apelido sem caracteres de controle (NUL, BEL...) nem de formatação invisível (como o
    U+202E, que inverte o sentido do texto e faz "Ana\u202eavon" aparecer como outro nome)."""
    bad = [c for c in nick if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise BadMessage(f"O apelido não pode ter caracteres de controle nem invisíveis (veio "
                         f"U+{ord(bad[0]):04X}); use letras, números e sinais comuns.", "join")
    return nick


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
    except RecursionError:  # [[[[…]]]] com milhares de níveis: o leitor de JSON desiste
        raise BadMessage("A mensagem tem níveis demais (colchetes ou chaves dentro de outros); "
                         f"envie um objeto simples, como {_EXAMPLE}.") from None
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
            nick=_nick(_text_field(data, "nick", action, MAX_NICK, "o seu apelido").strip()),
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


# --- cliente → servidor: montar ---------------------------------------------------------------


def join_request(nick: str, *, since: int | None = None, token: str | None = None,
                 client: str | None = None) -> dict:
    """Entrar na sala (``since``: receber tudo depois deste id; ``client``: id para reenvios)."""
    request = {"action": "join", "nick": nick}
    optional = {"since": since, "token": token, "client": client}
    request.update((k, v) for k, v in optional.items() if v is not None)
    return request


def send_request(text: str, seq: int | None = None) -> dict:
    request = {"action": "send", "text": text}
    if seq is not None:
        request["seq"] = seq
    return request


def history_request(since: int = 0, limit: int = MAX_LIMIT) -> dict:
    return {"action": "history", "since": since, "limit": limit}


def typing_request() -> dict:
    return {"action": "typing"}


def leave_request() -> dict:
    return {"action": "leave"}


# --- servidor → cliente: montar (um construtor por evento) -------------------------------------


def welcome_event(nick: str, online: list[str], last_id: int) -> dict:
    """Só para quem entrou: o apelido aceito, quem está na sala, o id da última mensagem."""
    return {"type": "welcome", "nick": nick, "online": online, "last_id": last_id}


def message_event(message: dict) -> dict:
    """Uma mensagem guardada (``id``, ``ts``, ``nick``, ``text``), para todos."""
    return {"type": "message", **message}


def history_pages(messages: list[dict], page: int = PAGE) -> list[dict]:
    """Eventos ``history`` com no máximo ``page`` mensagens cada (ao menos um, mesmo vazio)."""
    chunks = [messages[i : i + page] for i in range(0, len(messages), page)] or [[]]
    return [{"type": "history", "messages": chunk, "more": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)]


def presence_event(count: int, *, joined: str | None = None, left: str | None = None) -> dict:
    """Quem acabou de entrar (``joined``) ou sair (``left``), e quantos estão na sala agora.

    Só a diferença: a lista inteira vai uma vez, no ``welcome``; daí em diante cada cliente
    acompanha as entradas e saídas. (Mandar a lista toda a cada entrada custa O(n²): com 500
    alunos entrando, 285 MB só de presença.)
    """
    event = {"type": "presence", "count": count}
    if joined is not None:
        event["joined"] = joined
    if left is not None:
        event["left"] = left
    return event


def typing_event(nick: str) -> dict:
    return {"type": "typing", "nick": nick}


def ack_event(seq: int, message_id: int) -> dict:
    """O recibo de uma mensagem numerada (``seq`` do cliente → ``id`` no banco)."""
    return {"type": "ack", "seq": seq, "id": message_id}


def error_event(message: str, action: str | None = None) -> dict:
    """O evento de erro que só quem errou recebe."""
    event = {"type": "error", "error": message}
    if action is not None:
        event["action"] = action
    return event


def encode(event: dict) -> str:
    """JSON compacto, com acentos como estão ("Olá", não "Ol\\u00e1")."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


# --- servidor → cliente: ler --------------------------------------------------------------------


def parse_event(raw: str | bytes) -> dict:
    """Lê um evento do servidor; levanta ``BadMessage`` se não for um evento do chat."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadMessage("O servidor mandou algo que não é JSON.") from None
    if not isinstance(data, dict) or data.get("type") not in EVENTS:
        raise BadMessage(f"O servidor mandou um evento desconhecido: {_shown(data)}.")
    return data


# --- rótulos para o diagrama de sequência -------------------------------------------------------


def _quote(text: str, limit: int = 18) -> str:
    text = text.replace("\n", "⏎")
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


def label(data: dict) -> str | None:
    """Rótulo curto de uma mensagem do chat (um sentido ou outro), ou ``None`` se não for do chat.

    ``send "Oi, turma!"``, ``message #3 Ana: "Oi"``, ``history (2)``, ``presence +Ana``...
    """
    if "action" in data:
        action = str(data["action"])
        if action == "send" and isinstance(data.get("text"), str):
            return f"send {_quote(data['text'])}"
        if action == "join" and isinstance(data.get("nick"), str):
            return f"join {data['nick']}"
        return action[:12]
    kind = data.get("type")
    if kind == "message":
        return f"message #{data.get('id')} {data.get('nick')}: {_quote(str(data.get('text')), 12)}"
    if kind == "history":
        return f"history ({len(data.get('messages', []))})"
    if kind == "presence":
        who = data.get("joined") or data.get("left")
        return f"presence {'+' if 'joined' in data else '−'}{who}"
    if kind == "typing":
        return f"typing {data.get('nick')}"
    return kind if isinstance(kind, str) else None


def frame_label(event) -> str | None:
    """Rótulo de um frame do chat para o diagrama (``None``: o rótulo padrão do tap).

    ``send "Oi, turma!" · 44 B``, ``message #3 Ana: "Oi" · 83 B``, ``history (2) · 170 B``...
    """
    if not isinstance(event, WsFrame) or event.opcode != Opcode.TEXT or not event.fin:
        return None
    try:
        data = json.loads(event.content)
    except ValueError:
        return None
    text = label(data) if isinstance(data, dict) else None
    return None if text is None else f"{text} · {event.size} B"


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
