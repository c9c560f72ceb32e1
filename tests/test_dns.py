"""O servidor DNS do capítulo 02: bytes entram, bytes saem (sem rede), e um pouco de loopback."""

import asyncio
import re
import shutil
import subprocess
import sys
import threading

import dns.asyncquery
import dns.asyncresolver
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from helpers.core.lifecycle import PortInUse
from helpers.dns.server import DnsMessage, DnsServer, cli_server, exchange
from helpers.protocols.dns import (
    ZONE,
    answer,
    describe,
    dissect,
    drop_reason,
    format_dissection,
    handle,
    make_zone,
    tcp_frame,
)
from helpers.traffic.events import C2S, S2C
from helpers.widgets.diagram import SequenceDiagram
from support import wait_until


def ask(name, rdtype="A", **kw):
    """Pergunta ao servidor sem rede: a mensagem vira bytes, passa por handle e volta."""
    query = dns.message.make_query(name, rdtype, **kw)
    wire = handle(ZONE, query.to_wire())
    return query, dns.message.from_wire(wire)


# --- respostas da zona -------------------------------------------------------------------------


def test_a_name_in_the_zone_gets_its_address_with_the_zone_ttl():
    query, reply = ask("chat.curso.test")
    assert reply.id == query.id and reply.flags & dns.flags.QR
    assert reply.rcode() == dns.rcode.NOERROR
    assert [(r.to_text()) for r in reply.answer] == ["chat.curso.test. 60 IN A 127.0.0.1"]


def test_the_answer_is_authoritative_and_does_not_offer_recursion():
    _, reply = ask("chat.curso.test")
    assert reply.flags & dns.flags.AA
    assert not reply.flags & dns.flags.RA
    assert reply.flags & dns.flags.RD  # copiado da pergunta


def test_aaaa_gives_the_ipv6_loopback():
    _, reply = ask("chat.curso.test", "AAAA")
    assert reply.answer[0].to_text() == "chat.curso.test. 60 IN AAAA ::1"


def test_a_cname_is_followed_inside_the_zone():
    _, reply = ask("www.curso.test")
    assert [r.to_text() for r in reply.answer] == [
        "www.curso.test. 60 IN CNAME chat.curso.test.",
        "chat.curso.test. 60 IN A 127.0.0.1",
    ]


def test_asking_for_the_cname_itself_does_not_follow_it():
    _, reply = ask("www.curso.test", "CNAME")
    assert [r.rdtype for r in reply.answer] == [dns.rdatatype.CNAME]


def test_a_missing_name_is_nxdomain_with_the_soa_for_negative_caching():
    _, reply = ask("nao-existe.curso.test")
    assert reply.rcode() == dns.rcode.NXDOMAIN and not reply.answer
    (soa,) = reply.authority
    assert soa.rdtype == dns.rdatatype.SOA
    assert soa.ttl == 5 == soa[0].minimum  # min(TTL do SOA, campo MINIMUM): RFC 2308 §3


def test_an_existing_name_without_that_type_is_nodata_not_nxdomain():
    _, reply = ask("chat.curso.test", "MX")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert reply.authority[0].rdtype == dns.rdatatype.SOA


def test_negative_answers_do_not_change_the_zone():
    ask("nao-existe.curso.test")
    assert ZONE.get_rrset(ZONE.origin, "SOA").ttl == 60


def test_names_outside_the_zone_are_refused_because_this_is_not_a_resolver():
    _, reply = ask("example.com")
    assert reply.rcode() == dns.rcode.REFUSED and not reply.flags & dns.flags.AA


def test_names_are_case_insensitive():
    _, reply = ask("CHAT.Curso.TEST")
    assert reply.answer[0][0].address == "127.0.0.1"


def test_the_short_ttl_name_exists_for_the_cache_demo():
    _, reply = ask("curto.curso.test")
    assert reply.answer[0].ttl == 1


def test_edns_queries_get_an_edns_answer():
    _, reply = ask("chat.curso.test", use_edns=0, payload=1232)
    assert reply.edns == 0


def test_a_cname_loop_stops_after_a_few_hops():
    zone = make_zone("$ORIGIN l.test.\n$TTL 5\n@ SOA ns h 1 1 1 1 1\n@ NS ns\nns A 127.0.0.1\n"
                     "a CNAME b\nb CNAME a\n")
    reply = answer(zone, dns.message.make_query("a.l.test", "A"))
    assert 1 < len(reply.answer) <= 8


def test_opcodes_other_than_query_are_not_implemented():
    query = dns.message.make_query("chat.curso.test", "A")
    query.set_opcode(dns.opcode.STATUS)
    reply = dns.message.from_wire(handle(ZONE, query.to_wire()))
    assert reply.rcode() == dns.rcode.NOTIMP


@pytest.mark.parametrize("opcode", [dns.opcode.UPDATE, dns.opcode.NOTIFY, dns.opcode.IQUERY,
                                    dns.opcode.STATUS, 6, 15])
def test_every_opcode_but_query_is_notimp_even_when_its_body_would_not_parse(opcode):
    # o dig +opcode=update manda a pergunta "chat.curso.test A" (e EDNS) na seção de zona; o
    # dnspython só aceita SOA ali e levantava FormError: a resposta era FORMERR, não NOTIMP
    query = dns.message.make_query("chat.curso.test", "A", use_edns=0)
    wire = bytearray(query.to_wire())
    wire[2] = (wire[2] & 0x87) | (opcode << 3)
    reply = dns.message.from_wire(handle(ZONE, bytes(wire)), question_only=True)
    assert reply.id == query.id and reply.flags & dns.flags.QR
    assert reply.rcode() == dns.rcode.NOTIMP and reply.opcode() == opcode


def test_any_gets_one_synthesized_hinfo_record_as_rfc_8482_suggests():
    _, reply = ask("chat.curso.test", "ANY")
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    (hinfo,) = reply.answer
    assert hinfo.to_text() == 'chat.curso.test. 60 IN HINFO "RFC8482" ""'
    assert not reply.authority


def test_any_at_the_zone_apex_is_also_the_hinfo_not_every_record():
    _, reply = ask("curso.test", "ANY")
    assert [r.rdtype for r in reply.answer] == [dns.rdatatype.HINFO] and len(reply.answer[0]) == 1


def test_any_at_an_alias_gets_the_cname_alone():
    _, reply = ask("www.curso.test", "ANY")
    assert [r.to_text() for r in reply.answer] == ["www.curso.test. 60 IN CNAME chat.curso.test."]


def test_any_for_a_missing_name_is_still_nxdomain_and_outside_the_zone_still_refused():
    assert ask("nao-existe.curso.test", "ANY")[1].rcode() == dns.rcode.NXDOMAIN
    assert ask("example.com", "ANY")[1].rcode() == dns.rcode.REFUSED


def test_over_tcp_each_message_carries_its_length_in_two_bytes():
    assert tcp_frame(b"abc") == b"\x00\x03abc"
    assert tcp_frame(b"x" * 300)[:2] == b"\x01\x2c"
    with pytest.raises(ValueError):
        tcp_frame(b"x" * 65536)


# --- entrada ruim ------------------------------------------------------------------------------


def test_a_datagram_shorter_than_a_header_is_dropped():
    assert handle(ZONE, b"") is None
    assert handle(ZONE, b"oi") is None
    assert drop_reason(b"oi").startswith("shorter than")


def test_a_response_sent_to_the_server_is_dropped_to_avoid_loops():
    _, reply = ask("chat.curso.test")
    assert handle(ZONE, reply.to_wire()) is None
    assert "QR bit" in drop_reason(reply.to_wire())


@pytest.mark.parametrize("datagram", [
    b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",  # promete uma pergunta e não traz
    b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc",  # rótulo cortado
    b"\x12\x34\x01\x00" + b"\xff" * 40,  # lixo
    b"\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00trailing",  # bytes sobrando
])
def test_a_malformed_query_with_a_readable_header_gets_formerr_with_the_same_id(datagram):
    reply = dns.message.from_wire(handle(ZONE, datagram))
    assert reply.id == 0x1234 and reply.flags & dns.flags.QR
    assert reply.rcode() == dns.rcode.FORMERR
    assert reply.flags & dns.flags.RD  # copiado do cabeçalho


def test_a_query_without_questions_is_formerr():
    query = dns.message.make_query("chat.curso.test", "A")
    query.question = []
    reply = dns.message.from_wire(handle(ZONE, query.to_wire()))
    assert reply.rcode() == dns.rcode.FORMERR


# --- resumos e dissecação ----------------------------------------------------------------------


def test_summaries_fit_on_a_diagram_arrow():
    query, reply = ask("www.curso.test")
    assert describe(query.to_wire()) == "A? www.curso.test"
    assert describe(reply.to_wire()) == "CNAME → A 127.0.0.1 · TTL 60"
    assert describe(ask("x.curso.test")[1].to_wire()) == "NXDOMAIN"
    assert describe(b"\x00" * 5) == "malformado · 5 B"


@pytest.mark.parametrize("name, rdtype", [
    ("chat.curso.test", "A"), ("chat.curso.test", "AAAA"), ("www.curso.test", "A"),
    ("nao-existe.curso.test", "A"), ("chat.curso.test", "MX"),
])
def test_the_hand_dissection_agrees_with_dnspython(name, rdtype):
    query = dns.message.make_query(name, rdtype, use_edns=0)
    wire = handle(ZONE, query.to_wire())
    parsed = dns.message.from_wire(wire)
    fields = dissect(wire)
    by_name = lambda n: [f for f in fields if f.name == n]  # noqa: E731
    assert by_name("ID")[0].raw == wire[:2]
    assert by_name("QNAME")[0].value == parsed.question[0].name.to_text()
    records = [(rrset, rd) for rrset in parsed.answer + parsed.authority for rd in rrset]
    ttls = [f.value for f in by_name("TTL") if f.section != "adicional"]
    assert ttls == [f"{rrset.ttl} s" for rrset, _ in records]
    rdatas = [f.value for f in by_name("RDATA") if f.section != "adicional"]
    assert rdatas == [rd.to_text() for _, rd in records]
    assert b"".join(f.raw for f in fields) == wire  # os campos cobrem a mensagem inteira


def test_the_dissection_shows_compression_pointers_and_flags():
    text = format_dissection(ask("chat.curso.test", id=0x2A2A)[1].to_wire())
    assert "2a 2a" in text and "0x2a2a" in text
    assert "QR=1 (resposta) QUERY AA=1 TC=0 RD=1 RA=0 NOERROR" in text
    assert "c0 0c" in text and "ponteiro → byte 12" in text
    assert "00 00 00 3c" in text and "60 s" in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_a_truncated_message_cannot_be_dissected():
    wire = ask("chat.curso.test")[1].to_wire()
    with pytest.raises(ValueError, match="cortad"):
        dissect(wire[:-3])


# --- pela rede, em loopback --------------------------------------------------------------------


async def test_dnspython_resolves_through_the_server_on_loopback_and_bad_input_does_not_stop_it(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], server.port, 2.0
    result = await resolver.resolve("chat.curso.test", "A")
    assert [r.address for r in result] == ["127.0.0.1"]
    assert await exchange(b"oi", server.port, timeout=0.2) is None
    assert server.log_lines[-1].startswith("dropped 2-byte datagram from 127.0.0.1:")
    formerr = await exchange(b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6, server.port)
    assert dns.message.from_wire(formerr).rcode() == dns.rcode.FORMERR
    with pytest.raises(dns.resolver.NXDOMAIN):
        await resolver.resolve("nao-existe.curso.test", "A")
    result = await resolver.resolve("chat.curso.test", "AAAA")
    assert [r.address for r in result] == ["::1"]
    assert server.received == 5
    assert [e.direction for e in server.events].count(S2C) == 4  # o "oi" ficou sem resposta


async def test_each_datagram_becomes_an_arrow_on_the_sequence_diagram(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    diagram = SequenceDiagram(["cliente"], server="servidor DNS")
    diagram.follow(server, client="cliente")
    query = dns.message.make_query("nao-existe.curso.test", "A")
    await exchange(query.to_wire(), server.port)
    assert [(m["src"], m["label"], m["kind"]) for m in diagram.messages] == [
        ("cliente", "A? nao-existe.curso.test", "msg"),
        ("servidor DNS", "NXDOMAIN", "error"),
    ]
    assert diagram.messages[0]["size"] == len(query.to_wire())


async def test_restarting_under_the_same_name_replaces_the_server(reg):
    first = await reg.start("dns", DnsServer(ZONE))
    second = await reg.start("dns", DnsServer(ZONE))
    assert first._transport is None and second.port
    assert await exchange(ask("chat.curso.test")[0].to_wire(), second.port) is not None


async def test_a_busy_port_gives_the_portuguese_port_in_use_error(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    with pytest.raises(PortInUse, match="já está em uso"):
        await DnsServer(ZONE, port=server.port).start()


def test_events_know_their_direction_and_summary():
    query = dns.message.make_query("chat.curso.test", "A").to_wire()
    event = DnsMessage(1, C2S, 0.0, query, peer="127.0.0.1:1", note="cache")
    assert event.summary == "A? chat.curso.test (cache)" and not event.is_error


# --- memória limitada: o servidor não guarda tudo o que passa -----------------------------------


async def _flood(port: int, total: int, window: int = 100) -> int:
    """Manda ``total`` perguntas em janelas de ``window`` (sem estourar o buffer do kernel) e
    devolve quantas respostas voltaram. Limitado em número e, por janela, no tempo."""
    loop = asyncio.get_running_loop()
    state = {"got": 0, "want": 0, "done": None}

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            state["got"] += 1
            if state["got"] >= state["want"] and not state["done"].done():
                state["done"].set_result(None)

    transport, _ = await loop.create_datagram_endpoint(Client, remote_addr=("127.0.0.1", port))
    template = bytearray(dns.message.make_query("chat.curso.test", "A").to_wire())
    try:
        for start in range(0, total, window):
            batch = min(window, total - start)
            state["want"], state["done"] = state["got"] + batch, loop.create_future()
            for i in range(batch):
                template[:2] = ((start + i) & 0xFFFF).to_bytes(2, "big")
                transport.sendto(bytes(template))
            try:
                await asyncio.wait_for(state["done"], 10.0)  # guarda contra travar, não relógio
            except TimeoutError:
                pass  # UDP pode perder datagramas; quem chama confere quantas voltaram
    finally:
        transport.close()
    return state["got"]


async def test_a_flood_of_5000_queries_leaves_only_a_bounded_history_in_memory(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    # 5 vezes o histórico (DnsServer.HISTORY) já prova o limite; 20 mil custavam ~10 s de CPU
    answered = await _flood(server.port, 5 * DnsServer.HISTORY)
    assert answered > 2_500  # a carga aconteceu de fato (UDP pode perder algum datagrama)
    assert server.received >= answered  # o contador conta tudo, mesmo o que já saiu do histórico
    assert len(server.events) <= 1_000 and len(server.log_lines) <= 1_000  # eram 10 mil e 5 mil
    assert server.events[-1].direction == S2C  # guarda as mais recentes
    assert server.log_lines[-1].startswith("A? chat.curso.test from 127.0.0.1:")
    server.clear()
    assert server.received == 0 and not server.events


async def test_the_command_line_server_keeps_no_per_query_history(reg):
    server = await reg.start("dns", cli_server("127.0.0.1", 0))
    assert await _flood(server.port, 2_000) > 1_000
    assert len(server.events) == 0 and len(server.log_lines) == 0
    assert server.received >= 1_000


# --- TCP na mesma porta (RFC 1035 §4.2.2, RFC 7766) --------------------------------------------


async def _tcp(port, data: bytes, reply_count: int, timeout: float = 5.0) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        out = []
        for _ in range(reply_count):
            size = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), timeout), "big")
            out.append(await asyncio.wait_for(reader.readexactly(size), timeout))
        return out
    finally:
        writer.close()


async def _closed_by_server(reader, timeout: float = 5.0) -> bool:
    """O servidor fechou a conexão? (lê até o fim; ``timeout`` só guarda contra travar)"""
    try:
        return await asyncio.wait_for(reader.read(), timeout) == b""
    except ConnectionResetError:
        return True


async def test_dnspython_asks_over_tcp_on_the_same_port(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    reply = await dns.asyncquery.tcp(dns.message.make_query("chat.curso.test", "A"), "127.0.0.1",
                                     port=server.port, timeout=5)
    assert [r.to_text() for r in reply.answer] == ["chat.curso.test. 60 IN A 127.0.0.1"]
    udp = await dns.asyncquery.udp(dns.message.make_query("chat.curso.test", "A"), "127.0.0.1",
                                   port=server.port, timeout=5)
    assert udp.answer == reply.answer
    assert server.received == 2


async def test_tcp_answers_pipelined_queries_and_any_on_one_connection(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    queries = [dns.message.make_query(n, t) for n, t in
               [("chat.curso.test", "AAAA"), ("chat.curso.test", "ANY"), ("x.curso.test", "A")]]
    replies = await _tcp(server.port, b"".join(tcp_frame(q.to_wire()) for q in queries), 3)
    parsed = [dns.message.from_wire(r) for r in replies]
    assert [p.id for p in parsed] == [q.id for q in queries]
    assert parsed[0].answer[0][0].address == "::1"
    assert parsed[1].answer[0].rdtype == dns.rdatatype.HINFO
    assert parsed[2].rcode() == dns.rcode.NXDOMAIN


async def test_tcp_survives_garbage_and_still_answers(reg):
    server = await reg.start("dns", DnsServer(ZONE, tcp_idle_timeout=0.2))
    good = tcp_frame(dns.message.make_query("chat.curso.test", "A").to_wire())
    # curto demais para ter cabeçalho: descartado, e a conexão segue
    (reply,) = await _tcp(server.port, tcp_frame(b"oi") + good, 1)
    assert dns.message.from_wire(reply).answer
    # cabeçalho legível, resto lixo: FORMERR com o mesmo ID
    (reply,) = await _tcp(server.port, tcp_frame(b"\x12\x34\x01\x00" + b"\xff" * 40), 1)
    assert dns.message.from_wire(reply).rcode() == dns.rcode.FORMERR
    for junk in [b"\x00\x00", b"\xff" * 1000, b"\x00", b"GET / HTTP/1.1\r\n\r\n"]:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(junk)  # tamanho zero, mensagem que nunca termina, meio tamanho, outro protocolo
        assert await _closed_by_server(reader), junk
        writer.close()
    (reply,) = await _tcp(server.port, good, 1)
    assert dns.message.from_wire(reply).answer


async def test_an_idle_tcp_connection_is_closed_by_the_server(reg):
    server = await reg.start("dns", DnsServer(ZONE, tcp_idle_timeout=0.1))
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await _closed_by_server(reader)
    writer.close()
    await wait_until(lambda: server.tcp_connections == 0, what="a conexão ociosa saiu da conta")


async def test_stopping_the_server_closes_its_tcp_connections(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"\x01\x00meia mensagem")
    await wait_until(lambda: server.tcp_connections == 1)
    await reg.stop("dns")
    assert await _closed_by_server(reader)
    await wait_until(lambda: server.tcp_connections == 0)
    writer.close()


async def test_tcp_connections_beyond_the_limit_are_closed_at_once(reg):
    server = await reg.start("dns", DnsServer(ZONE, tcp_max_connections=2))
    kept = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
    await wait_until(lambda: server.tcp_connections == 2)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await _closed_by_server(reader)  # o ocioso padrão é longo: quem fechou foi o limite
    writer.close()
    good = tcp_frame(dns.message.make_query("chat.curso.test", "A").to_wire())
    for r, w in kept:
        w.write(good)
        size = int.from_bytes(await asyncio.wait_for(r.readexactly(2), 5), "big")
        assert dns.message.from_wire(await r.readexactly(size)).answer
        w.close()


# --- a linha de comando, com o dig -------------------------------------------------------------


def _read_port(proc, timeout=60.0, first_line=None):  # guarda: subir o Python numa máquina lotada
    """Lê a primeira linha da saída do servidor (com prazo) e tira dela a porta."""
    line: list[str] = [] if first_line is None else first_line
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert line and line[0], "o servidor não imprimiu a porta a tempo"
    match = re.search(r"porta (\d+)", line[0])
    assert match, line[0]
    return int(match.group(1))


def _dig(port, *args):
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+time=10", "+tries=1", *args],
                         capture_output=True, text=True, timeout=60)
    return out.stdout


@pytest.mark.skipif(shutil.which("dig") is None,
                    reason="o dig não está instalado (Debian/Ubuntu: apt install dnsutils)")
def test_the_command_line_server_answers_dig():
    proc = subprocess.Popen([sys.executable, "-m", "helpers.dns", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first: list[str] = []
    try:
        port = _read_port(proc, first_line=first)
        assert "(UDP e TCP)" in first[0]
        assert _dig(port, "chat.curso.test", "+short").split() == ["127.0.0.1"]
        assert _dig(port, "chat.curso.test", "AAAA", "+short").split() == ["::1"]
        assert _dig(port, "www.curso.test", "+short").split() == ["chat.curso.test.", "127.0.0.1"]
        full = _dig(port, "nao-existe.curso.test")
        assert "status: NXDOMAIN" in full and "flags: qr aa rd" in full
        assert _dig(port, "+tcp", "chat.curso.test", "+short").split() == ["127.0.0.1"]
        assert _dig(port, "chat.curso.test", "ANY", "+short").split() == ['"RFC8482"', '""']
        assert _dig(port, "+notcp", "chat.curso.test", "ANY", "+short").split() == ['"RFC8482"', '""']
        assert "status: NOTIMP" in _dig(port, "+opcode=update", "chat.curso.test")
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "A? chat.curso.test from 127.0.0.1:" in err  # o log de cada consulta vai para stderr


def test_the_command_line_reports_a_busy_port_in_portuguese():
    async def occupy():
        server = DnsServer(ZONE)
        await server.start()
        try:
            return await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "helpers.dns", "--port", str(server.port)],
                capture_output=True, text=True, timeout=60)
        finally:
            await server.close()

    out = asyncio.run(occupy())
    assert out.returncode == 1 and "já está em uso" in out.stderr


def test_a_diagram_follows_a_dns_server_like_a_tap_and_can_stop():
    server = DnsServer(ZONE)
    first, second = SequenceDiagram(), SequenceDiagram()
    first.follow(server, client="cliente")
    second.follow(server, client="resolvedor", server="autoritativo")
    query = dns.message.make_query("chat.curso.test", "A").to_wire()
    server._emit(DnsMessage(1, C2S, 0.0, query))
    assert (first.arrows, second.arrows) == (1, 1)
    assert second.messages[0]["src"] == "resolvedor" and second.messages[0]["dst"] == "autoritativo"
    first.unfollow(server)
    server._emit(DnsMessage(2, C2S, 0.0, query))
    assert (first.arrows, second.arrows) == (1, 2)
    second.unfollow()
    assert len(server._subscribers) == 0


async def test_answers_still_pending_are_capped_and_the_rest_is_dropped(reg):
    from helpers.dns.server import DatagramServer

    release = asyncio.Event()

    class Slow(DatagramServer):
        async def respond(self, data, peer):
            await release.wait()  # como um resolvedor esperando o autoritativo
            return data

    server = await reg.start("lento", Slow(max_pending=3))
    query = dns.message.make_query("chat.curso.test", "A").to_wire()
    for _ in range(10):
        await exchange(query, server.port, timeout=0.01)
    await wait_until(lambda: server.received == 10)
    assert len(server._tasks) == 3
    assert server.log_lines[-1].endswith("3 answers already pending")
    release.set()
    await wait_until(lambda: not server._tasks)
