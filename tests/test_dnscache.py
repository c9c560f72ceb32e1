"""O resolvedor com cache: o TTL decide quando voltar ao servidor autoritativo."""

import dns.asyncresolver
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.resolver
import pytest

from helpers.dns.server import DnsServer
from helpers.protocols.dns import ZONE, handle
from helpers.dns.cache import Cache, CachingResolver, cache_ttl
from helpers.core.lifecycle import Registry


class Clock:
    """Um relógio que só anda quando o teste manda."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def reply(name, rdtype="A"):
    return dns.message.from_wire(handle(ZONE, dns.message.make_query(name, rdtype).to_wire()))


KEY = (dns.name.from_text("curto.curso.test"), 1, 1)


def test_the_cache_ttl_is_the_smallest_ttl_in_the_answer():
    assert cache_ttl(reply("chat.curso.test")) == 60
    assert cache_ttl(reply("curto.curso.test")) == 1
    assert cache_ttl(reply("www.curso.test")) == 60


def test_negative_answers_are_cached_for_the_soa_minimum():
    assert cache_ttl(reply("nao-existe.curso.test")) == 5
    assert cache_ttl(reply("chat.curso.test", "MX")) == 5


def test_server_errors_are_not_cached():
    assert cache_ttl(reply("example.com")) == 0  # REFUSED


def test_an_entry_is_valid_until_just_before_its_ttl_runs_out():
    clock = Clock()
    cache = Cache(clock)
    assert cache.put(KEY, reply("curto.curso.test")) == 1
    clock.now += 0.999
    assert cache.get(KEY) is not None
    clock.now += 0.001
    assert cache.get(KEY) is None and len(cache) == 0


def test_an_answer_that_must_not_be_cached_is_not_stored():
    cache = Cache(Clock())
    assert cache.put(KEY, reply("example.com")) == 0 and len(cache) == 0


def test_cached_answers_come_back_with_the_ttl_reduced_by_whole_seconds():
    query = dns.message.make_query("chat.curso.test", "A")
    for elapsed, ttl in [(0.0, 60), (0.9, 60), (1.0, 59), (59.5, 1)]:
        out = dns.message.from_wire(CachingResolver._reply(query, reply("chat.curso.test"), elapsed))
        assert out.answer[0].ttl == ttl
        assert out.id == query.id


async def test_the_second_query_is_answered_from_cache_until_the_ttl_expires(reg):
    clock = Clock()
    server = await reg.start("dns", DnsServer(ZONE))
    cache = await reg.start("cache", CachingResolver(server.port, clock=clock))
    stub = dns.asyncresolver.Resolver(configure=False)
    stub.nameservers, stub.port, stub.lifetime = ["127.0.0.1"], cache.port, 2.0
    for _ in range(3):
        await stub.resolve("curto.curso.test", "A")
    assert server.received == 1 and (cache.hits, cache.misses) == (2, 1)
    clock.now += 1.0  # o TTL de 1 s venceu
    await stub.resolve("curto.curso.test", "A")
    assert server.received == 2 and (cache.hits, cache.misses) == (2, 2)
    notes = [e.note for e in cache.events if e.direction == "s2c"]
    assert notes == ["", "cache", "cache", ""]


async def test_the_resolver_sets_ra_clears_aa_and_asks_upstream_without_recursion(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    cache = await reg.start("cache", CachingResolver(server.port))
    stub = dns.asyncresolver.Resolver(configure=False)
    stub.nameservers, stub.port, stub.lifetime = ["127.0.0.1"], cache.port, 2.0
    answer = await stub.resolve("chat.curso.test", "A")
    assert answer.response.flags & dns.flags.RA and not answer.response.flags & dns.flags.AA
    upstream = dns.message.from_wire(server.events[0].data)
    assert not upstream.flags & dns.flags.RD
    with pytest.raises(dns.resolver.NXDOMAIN):
        await stub.resolve("nao-existe.curso.test", "A")
    with pytest.raises(dns.resolver.NXDOMAIN):
        await stub.resolve("nao-existe.curso.test", "A")
    assert server.received == 2 and cache.hits == 1  # o "não existe" também fica no cache


async def test_an_unreachable_upstream_gives_servfail_and_nothing_is_cached(reg):
    server = await reg.start("dns", DnsServer(ZONE))
    port = server.port
    await reg.stop("dns")  # ninguém mais escuta nessa porta
    cache = await reg.start("cache", CachingResolver(port, timeout=0.3))
    query = dns.message.make_query("chat.curso.test", "A")
    from helpers.dns.server import exchange

    out = dns.message.from_wire(await exchange(query.to_wire(), cache.port, timeout=2.0))
    assert out.rcode() == dns.rcode.SERVFAIL and len(cache.cache) == 0


async def test_closing_cancels_queries_still_waiting_for_upstream():
    reg = Registry()
    cache = await reg.start("cache", CachingResolver(9, timeout=5.0))  # porta 9: discard
    from helpers.dns.server import exchange

    await exchange(dns.message.make_query("chat.curso.test", "A").to_wire(), cache.port, timeout=0.1)
    await reg.stop_all()
    assert not cache._tasks


def test_the_cache_holds_at_most_max_entries_dropping_expired_then_oldest():
    # uma enxurrada de nomes aleatórios guardaria um NXDOMAIN por nome, e um vencido só saía
    # quando o mesmo nome era perguntado de novo
    clock = Clock()
    cache = Cache(clock, max_entries=3)
    names = [dns.name.from_text(f"n{i}.curso.test") for i in range(5)]
    negative = reply("nao-existe.curso.test")  # fica 5 s
    for name in names[:3]:
        cache.put((name, 1, 1), negative)
    clock.now += 10  # os três venceram
    cache.put((names[3], 1, 1), negative)
    assert len(cache) == 1
    for i in range(200):
        cache.put((dns.name.from_text(f"x{i}.curso.test"), 1, 1), negative)
    assert len(cache) == 3
    assert cache.get((dns.name.from_text("x199.curso.test"), 1, 1)) is not None  # as mais novas ficam
