"""O banco do chat: mensagens guardadas em SQLite, com id crescente e horário do servidor.

Introduzido no notebook 05 (Chat ao vivo). É o passo do fluxo clássico em que o servidor grava a
mensagem no banco de dados antes de repassá-la aos outros clientes.

* SQLite é um banco de dados inteiro num arquivo só, embutido no Python (módulo ``sqlite3``):
  nada para instalar nem para ligar. O notebook escolhe o arquivo (``dados/chat.sqlite3``);
  apagar a pasta recomeça do zero; parar e subir o servidor de novo mantém o histórico.
* ``id INTEGER PRIMARY KEY AUTOINCREMENT``: o banco dá a cada mensagem um número maior que o de
  todas as anteriores, e nunca reaproveita um número. Com isso, "me mande o que veio depois do
  id N" (``since``) é uma pergunta exata: nada se perde, nada se repete.
* ``ts``: o horário em que o servidor guardou a mensagem, em UTC, no formato ISO 8601
  (``2025-03-14T15:09:26.535Z``). Quem ordena é o ``id``, não o relógio.
* ``client`` e ``seq`` (opcionais): um cliente que pode reenviar depois de uma queda numera as
  próprias mensagens (1, 2, 3...). O par é único no banco: o reenvio de uma mensagem que já
  chegou não vira uma segunda cópia (``add`` devolve ``None``, e ``find`` acha a original).
  Esses dois campos ficam só no banco; quem recebe a mensagem vê ``id``, ``ts``, ``nick`` e
  ``text``.

Sem rede aqui: o módulo é testado sem sockets (``tests/test_chatstore.py``).
"""

from __future__ import annotations

import datetime
import pathlib
import sqlite3
from collections.abc import Callable

__all__ = ["RECENT", "SCHEMA", "ChatStore", "utc_timestamp"]

RECENT = 50  # quantas mensagens recentes quem entra recebe

SCHEMA = """\
CREATE TABLE IF NOT EXISTS messages (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,  -- 1, 2, 3... nunca reaproveitado
    ts     TEXT    NOT NULL,                   -- horário do servidor, UTC, ISO 8601
    nick   TEXT    NOT NULL,                   -- apelido de quem mandou
    text   TEXT    NOT NULL,                   -- a mensagem
    client TEXT,                               -- (opcional) quem numerou a mensagem...
    seq    INTEGER,                            -- ...e com que número
    UNIQUE (client, seq)
)"""


def utc_timestamp(now: datetime.datetime | None = None) -> str:
    """Horário em UTC, ISO 8601 com milissegundos: ``2025-03-14T15:09:26.535Z``."""
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _row(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "ts": row["ts"], "nick": row["nick"], "text": row["text"]}


class ChatStore:
    """As mensagens do chat num arquivo SQLite (ou na memória, com ``":memory:"``).

    >>> banco = ChatStore("dados/chat.sqlite3")   # cria a pasta e a tabela, se faltarem
    >>> banco.add("Ana", "Oi!")
    {'id': 1, 'ts': '2025-03-14T15:09:26.535Z', 'nick': 'Ana', 'text': 'Oi!'}
    >>> banco.since(0)                            # tudo depois do id 0
    """

    def __init__(self, path: str | pathlib.Path = ":memory:", clock: Callable[[], str] = utc_timestamp):
        self.path = str(path)
        if self.path != ":memory:":
            pathlib.Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.db = sqlite3.connect(self.path, isolation_level=None)  # cada comando já é gravado
        self.db.row_factory = sqlite3.Row
        # WAL: gravar não obriga o disco a sincronizar a cada mensagem (rápido), e um processo
        # que cai no meio não corrompe o arquivo.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)

    def add(self, nick: str, text: str, client: str | None = None, seq: int | None = None) -> dict | None:
        """Guarda uma mensagem e a devolve com ``id`` e ``ts``.

        Com ``client`` e ``seq``: se esse par já está no banco (um reenvio), nada é gravado e a
        resposta é ``None``.
        """
        ts = self.clock()
        try:
            cursor = self.db.execute(
                "INSERT INTO messages (ts, nick, text, client, seq) VALUES (?, ?, ?, ?, ?)",
                (ts, nick, text, client, seq),
            )
        except sqlite3.IntegrityError:
            return None
        return {"id": cursor.lastrowid, "ts": ts, "nick": nick, "text": text}

    def find(self, client: str, seq: int) -> dict | None:
        """A mensagem que ``client`` numerou com ``seq`` (``None`` se não há)."""
        row = self.db.execute("SELECT id, ts, nick, text FROM messages WHERE client = ? AND seq = ?",
                              (client, seq)).fetchone()
        return None if row is None else _row(row)

    def since(self, last_id: int, limit: int | None = None) -> list[dict]:
        """As mensagens com id maior que ``last_id``, em ordem (no máximo ``limit``)."""
        rows = self.db.execute(
            "SELECT id, ts, nick, text FROM messages WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, -1 if limit is None else limit),
        )
        return [_row(r) for r in rows]

    def recent(self, n: int = RECENT) -> list[dict]:
        """As ``n`` mensagens mais novas, da mais antiga para a mais nova."""
        rows = self.db.execute("SELECT id, ts, nick, text FROM messages ORDER BY id DESC LIMIT ?", (n,)).fetchall()
        return [_row(r) for r in reversed(rows)]

    def last_seq(self, client: str) -> int:
        """O maior ``seq`` já guardado para ``client`` (0 se nenhum)."""
        (seq,) = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE client = ?",
                                 (client,)).fetchone()
        return seq

    @property
    def last_id(self) -> int:
        """O id da mensagem mais nova (0 com o banco vazio)."""
        (last,) = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()
        return last

    def __len__(self) -> int:
        (n,) = self.db.execute("SELECT COUNT(*) FROM messages").fetchone()
        return n

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ChatStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ChatStore({self.path!r})"
