"""O API Gateway local: rotas, connectionId, @connections (POST/GET/DELETE), $default."""

import asyncio
import base64
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from helpers.scale.gateway import (
    GoneException,
    LocalGateway,
    ManagementApi,
    new_connection_id,
    select_route,
)
from helpers.core.lifecycle import Registry
from support import wait_until

ROUTES = {"$connect": 1, "$disconnect": 1, "$default": 1, "sendmessage": 1}


# --- seleção de rota, sem rede ---------------------------------------------------------------


@pytest.mark.parametrize("body, route", [
    ('{"action": "sendmessage", "texto": "oi"}', "sendmessage"),
    ('{"action": "dançar"}', "$default"),
    ('{"texto": "sem ação"}', "$default"),
    ("não é JSON", "$default"),
    ("[1, 2]", "$default"),
    ('{"action": 7}', "$default"),
    ('{"action": "$connect"}', "$default"),  # o cliente não escolhe rotas do próprio gateway
])
def test_route_selection_follows_request_body_action(body, route):
    assert select_route(body, ROUTES) == route


def test_route_selection_accepts_nested_fields_and_refuses_other_expressions():
    assert select_route('{"meta": {"tipo": "sendmessage"}}', ROUTES, "$request.body.meta.tipo") == "sendmessage"
    with pytest.raises(ValueError):
        select_route("{}", ROUTES, "$request.header.x")


def test_connection_ids_look_like_aws_ones_and_do_not_repeat():
    ids = {new_connection_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(base64.b64decode(i)) == 10 and i.endswith("=") for i in ids)


# --- o gateway rodando -----------------------------------------------------------------------


@pytest.fixture
async def chat():
    """O gateway com o chat do notebook 07 (handlers async e síncronos misturados)."""
    connected: dict[str, str] = {}
    calls: list[str] = []
    trace: list[tuple] = []

    async def on_connect(event, context):
        calls.append("$connect")
        name = (event.get("queryStringParameters") or {}).get("nome")
        if not name:
            return {"statusCode": 403}
        assert event["requestContext"]["eventType"] == "CONNECT"
        connected[event["requestContext"]["connectionId"]] = name
        return {"statusCode": 200}

    def on_disconnect(event, context):
        calls.append("$disconnect")
        connected.pop(event["requestContext"]["connectionId"], None)

    def send_message(event, context):  # síncrono, numa thread, como numa Lambda
        calls.append("sendmessage")
        ctx = event["requestContext"]
        api = ManagementApi(f"http://{ctx['domainName']}/{ctx['stage']}")
        data = json.dumps({"de": connected[ctx["connectionId"]], "texto": json.loads(event["body"])["texto"]})
        for target in list(connected):
            api.post_to_connection(ConnectionId=target, Data=data)
        return {"statusCode": 200}

    def default(event, context):
        calls.append("$default")
        ctx = event["requestContext"]
        ManagementApi(f"http://{ctx['domainName']}/{ctx['stage']}").post_to_connection(
            ConnectionId=ctx["connectionId"], Data=json.dumps({"default": event["body"]}))

    def broken(event, context):
        raise RuntimeError("bug no handler")

    reg = Registry()
    gateway = await reg.start("gw", LocalGateway(
        {"$connect": on_connect, "$disconnect": on_disconnect, "$default": default,
         "sendmessage": send_message, "quebrada": broken},
        on_trace=lambda *step: trace.append(step)))
    yield gateway, connected, calls, trace
    await reg.stop_all()


async def recv(ws, timeout=3.0):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def test_each_client_gets_its_own_connection_id_through_connect(chat):
    gateway, connected, calls, _ = chat
    async with connect(gateway.ws_url + "?nome=Ana"), connect(gateway.ws_url + "?nome=Bruno"):
        await wait_until(lambda: len(connected) == 2, what="as duas conexões passarem pelo $connect")
        assert sorted(connected.values()) == ["Ana", "Bruno"]
        assert len(set(connected)) == 2 and set(connected) == set(gateway.connections)
    await wait_until(lambda: calls.count("$disconnect") == 2, what="os dois $disconnect")
    assert calls.count("$connect") == 2 and calls.count("$disconnect") == 2 and not connected


async def test_connect_route_can_refuse_a_connection(chat):
    gateway, connected, _, _ = chat
    with pytest.raises(InvalidStatus) as info:
        async with connect(gateway.ws_url):
            pass
    assert info.value.response.status_code == 403 and not gateway.connections


async def test_custom_route_pushes_to_everyone_through_management_api(chat):
    gateway, _, calls, trace = chat
    async with connect(gateway.ws_url + "?nome=Ana") as ana, connect(gateway.ws_url + "?nome=Bruno") as bruno:
        await ana.send(json.dumps({"action": "sendmessage", "texto": "oi"}))
        assert await recv(bruno) == {"de": "Ana", "texto": "oi"}
        assert await recv(ana) == {"de": "Ana", "texto": "oi"}
    assert "sendmessage" in calls
    assert ("Lambda", "gateway", "POST @connections/Bruno") in trace
    assert ("gateway", "Lambda", "sendmessage (Ana)") in trace


async def test_unknown_action_and_non_json_go_to_default(chat):
    gateway, _, calls, _ = chat
    async with connect(gateway.ws_url + "?nome=Ana") as ana:
        for body in ('{"action": "dançar"}', "texto solto"):
            await ana.send(body)
            assert await recv(ana) == {"default": body}
    assert calls.count("$default") == 2


async def test_without_default_route_the_client_gets_forbidden(reg):
    gateway = await reg.start("gw", LocalGateway({}))
    async with connect(gateway.ws_url) as ws:
        await ws.send('{"action": "qualquer"}')
        answer = await recv(ws)
        assert answer["message"] == "Forbidden" and "$default" in answer["erro"]


async def test_a_failing_handler_answers_internal_error_and_the_gateway_keeps_going(chat):
    gateway, _, _, _ = chat
    async with connect(gateway.ws_url + "?nome=Ana") as ana:
        await ana.send('{"action": "quebrada"}')
        assert (await recv(ana))["message"] == "Internal server error"
        await ana.send('{"action": "sendmessage", "texto": "ainda aqui"}')
        assert (await recv(ana))["texto"] == "ainda aqui"
    assert any(isinstance(e, RuntimeError) for e in gateway.errors)


async def test_get_delete_and_gone_on_the_management_endpoint(chat):
    gateway, connected, _, _ = chat
    api = ManagementApi(gateway.management_url)
    async with connect(gateway.ws_url + "?nome=Carla") as carla:
        await wait_until(lambda: len(connected) == 1, what="a conexão passar pelo $connect")
        (cid,) = connected
        info = await asyncio.to_thread(api.get_connection, ConnectionId=cid)
        assert info["identity"]["sourceIp"] == "127.0.0.1"
        assert info["connectedAt"].endswith("Z") and "lastActiveAt" in info
        await asyncio.to_thread(api.post_to_connection, ConnectionId=cid, Data=b"\xff\x00")
        assert await asyncio.wait_for(carla.recv(), 3) == b"\xff\x00"  # não é UTF-8: frame binário
        await asyncio.to_thread(api.delete_connection, ConnectionId=cid)
        async with asyncio.timeout(3):
            await carla.wait_closed()
        assert carla.close_code == 1000
    for call in (api.get_connection, api.delete_connection):
        with pytest.raises(GoneException):
            await asyncio.to_thread(call, ConnectionId=cid)
    with pytest.raises(GoneException):
        await asyncio.to_thread(api.post_to_connection, ConnectionId="nunca-existiu", Data="x")


# --- autorização no $connect: o bilhete curto e de uso único -------------------------------


def test_a_ticket_serves_once_and_only_before_it_expires():
    from helpers.scale.tickets import ManualClock, TicketBook, TicketRefused

    clock = ManualClock()
    book = TicketBook(ttl=30, clock=clock)
    ticket = book.issue("ana")
    assert book.redeem(ticket) == "ana"
    for bad, reason in ((ticket, "já usado"), ("inventado", "desconhecido"), (None, "sem bilhete")):
        with pytest.raises(TicketRefused, match=reason):
            book.redeem(bad)
    late = book.issue("bruno")
    clock.advance(31)
    with pytest.raises(TicketRefused, match="vencido"):
        book.redeem(late)
    with pytest.raises(TicketRefused, match="já usado"):  # nem vencido ele volta a valer
        book.redeem(late)


@pytest.fixture
async def guarded():
    """Um gateway cujo $connect exige um bilhete na query string, conferido por um autorizador."""
    from helpers.scale.gateway import Unauthorized, allow, deny
    from helpers.scale.tickets import ManualClock, TicketBook, TicketRefused

    clock = ManualClock()
    book = TicketBook(ttl=30, clock=clock)
    seen: list[dict] = []

    def authorizer(event, context):
        ticket = event["queryStringParameters"]["ticket"]
        if ticket == "explode":
            raise Unauthorized()
        try:
            return allow(book.redeem(ticket), event["methodArn"], {"plano": "grátis"})
        except TicketRefused:
            return deny("anônimo", event["methodArn"])

    def on_connect(event, context):
        seen.append(event["requestContext"]["authorizer"])

    reg = Registry()
    gateway = await reg.start("gw", LocalGateway(
        {"$connect": on_connect, "$disconnect": lambda e, c: None}, authorizer=authorizer,
        identity_source=["route.request.querystring.ticket"]))
    yield gateway, book, clock, seen
    await reg.stop_all()


async def _status(url: str) -> int:
    try:
        async with connect(url):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_connect_authorizer_lets_a_fresh_ticket_in_and_passes_its_context(guarded):
    gateway, book, _, seen = guarded
    assert await _status(f"{gateway.ws_url}?ticket={book.issue('ana')}") == 101
    assert seen == [{"principalId": "ana", "plano": "grátis"}]
    await gateway.invoked("$disconnect")


async def test_connect_authorizer_refuses_reused_expired_and_missing_tickets(guarded):
    gateway, book, clock, seen = guarded
    ticket = book.issue("ana")
    assert await _status(f"{gateway.ws_url}?ticket={ticket}") == 101
    assert await _status(f"{gateway.ws_url}?ticket={ticket}") == 403  # uso único
    late = book.issue("bruno")
    clock.advance(31)
    assert await _status(f"{gateway.ws_url}?ticket={late}") == 403  # vencido
    assert await _status(gateway.ws_url) == 401  # sem identidade: o autorizador nem roda
    assert await _status(f"{gateway.ws_url}?ticket=explode") == 401  # Unauthorized
    assert [a["principalId"] for a in seen] == ["ana"]
    assert gateway.invocations.count(("$connect", gateway.invocations[0][1])) == 1


async def test_invoked_waits_for_disconnect_without_sleeping(chat):
    gateway, connected, _, _ = chat
    async with connect(gateway.ws_url + "?nome=Ana"):
        assert len(connected) == 1  # o $connect termina antes do 101
    await gateway.invoked("$disconnect", count=1, timeout=5)
    assert not connected
