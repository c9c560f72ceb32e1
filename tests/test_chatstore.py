"""O banco do chat (SQLite), sem rede: ids crescentes, horário, since, reenvios, persistência."""

import itertools
import re
import sqlite3

from helpers.chat.store import RECENT, ChatStore, utc_timestamp


def fake_clock():
    ticks = itertools.count()
    return lambda: f"2025-03-14T15:09:{next(ticks):02d}.000Z"


def test_every_message_gets_an_increasing_id_and_the_servers_timestamp():
    store = ChatStore(clock=fake_clock())
    first = store.add("Ana", "Oi!")
    second = store.add("Bruno", "Olá")
    assert first == {"id": 1, "ts": "2025-03-14T15:09:00.000Z", "nick": "Ana", "text": "Oi!"}
    assert second["id"] == 2 and second["ts"] > first["ts"]
    assert store.last_id == 2 and len(store) == 2


def test_real_timestamps_are_utc_iso_8601_with_milliseconds():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ChatStore().add("Ana", "x")["ts"])


def test_since_returns_exactly_what_came_after_an_id_in_order():
    store = ChatStore()
    for text in "abcde":
        store.add("Ana", text)
    assert [m["text"] for m in store.since(2)] == ["c", "d", "e"]
    assert [m["id"] for m in store.since(0, limit=2)] == [1, 2]
    assert store.since(5) == [] and store.since(99) == []


def test_recent_gives_the_newest_messages_oldest_first():
    store = ChatStore()
    for i in range(RECENT + 10):
        store.add("Ana", str(i))
    recent = store.recent()
    assert len(recent) == RECENT
    assert [m["id"] for m in recent] == list(range(11, RECENT + 11))
    assert [m["text"] for m in store.recent(2)] == [str(RECENT + 8), str(RECENT + 9)]


def test_an_empty_store_starts_at_zero():
    store = ChatStore()
    assert store.last_id == 0 and len(store) == 0 and store.since(0) == [] and store.recent() == []


def test_a_resend_with_the_same_client_and_seq_is_not_stored_twice():
    store = ChatStore()
    first = store.add("Ana", "oi", client="celular-ana", seq=1)
    assert store.add("Ana", "oi", client="celular-ana", seq=1) is None
    assert store.find("celular-ana", 1) == first
    assert store.find("celular-ana", 2) is None
    assert store.add("Bruno", "oi", client="note-bruno", seq=1)["id"] == 2  # outro cliente, mesmo seq
    assert store.last_seq("celular-ana") == 1 and store.last_seq("ninguem") == 0
    assert len(store) == 2


def test_messages_without_a_client_are_never_taken_for_resends():
    store = ChatStore()
    assert store.add("Ana", "oi") and store.add("Ana", "oi") and len(store) == 2


def test_only_id_ts_nick_and_text_leave_the_store():
    store = ChatStore()
    store.add("Ana", "oi", client="c", seq=1)
    assert set(store.since(0)[0]) == {"id", "ts", "nick", "text"}


def test_history_survives_closing_and_reopening_the_file(tmp_path):
    path = tmp_path / "dados" / "chat.sqlite3"
    with ChatStore(path) as store:
        store.add("Ana", "primeira")
        store.add("Bruno", "segunda")
    assert path.exists()  # a pasta foi criada
    with ChatStore(path) as store:
        assert [m["text"] for m in store.since(0)] == ["primeira", "segunda"]
        assert store.add("Carla", "terceira")["id"] == 3


def test_deleting_the_folder_starts_over(tmp_path):
    folder = tmp_path / "dados"
    with ChatStore(folder / "chat.sqlite3") as store:
        store.add("Ana", "antiga")
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    with ChatStore(folder / "chat.sqlite3") as store:
        assert len(store) == 0 and store.add("Ana", "nova")["id"] == 1


def test_ids_are_never_reused_even_after_rows_are_deleted(tmp_path):
    path = tmp_path / "chat.sqlite3"
    with ChatStore(path) as store:
        store.add("Ana", "a")
        store.add("Ana", "b")
        store.db.execute("DELETE FROM messages WHERE id = 2")  # AUTOINCREMENT: o 2 não volta
        assert store.add("Ana", "c")["id"] == 3


def test_the_file_is_a_plain_sqlite_database_anyone_can_open(tmp_path):
    path = tmp_path / "chat.sqlite3"
    with ChatStore(path) as store:
        store.add("Ana", "Olá, mundo")
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT nick, text FROM messages").fetchall() == [("Ana", "Olá, mundo")]
    finally:
        db.close()
