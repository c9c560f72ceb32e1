// O cliente do chat no navegador (capítulo 05). Sem framework, sem CDN: a API WebSocket do
// navegador e o DOM. Tudo que vem de outras pessoas entra com textContent (texto puro), nunca
// com innerHTML: um <script> ou <img onerror> numa mensagem aparece escrito e não roda.
"use strict";

const $ = (id) => document.getElementById(id);
const estado = $("estado"), sala = $("sala"), lista = $("mensagens");
// Os limites do protocolo (helpers/chat/protocol.py, LIMITS): o servidor os escreve na página.
const limites = JSON.parse(document.documentElement.dataset.limites);
$("apelido").maxLength = limites.max_nick;
$("texto").maxLength = limites.max_text;

// A URL do WebSocket sai do endereço desta página, para funcionar aberta direto
//   http://127.0.0.1:8765/                       → ws://127.0.0.1:8765/ws
// e atrás do jupyter-server-proxy (JupyterHub, Binder)
//   https://hub/user/ana/proxy/127.0.0.1:8765/   → wss://hub/user/ana/proxy/127.0.0.1:8765/ws
function wsUrl() {
  const base = new URL(location.href);
  base.search = "";
  base.hash = "";
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const url = new URL("ws", base);
  url.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

let ws = null;
let apelido = "";
let ultimoId = 0;       // o id da última mensagem recebida: o "since" para voltar sem perder nada
let saindo = false;     // o usuário pediu para sair (não reconectar)
let tentativas = 0;
let timerVolta = null;  // a próxima tentativa de reconectar (cancelada pelo "Sair")
let timerDigitando = null;
let ultimoDigitando = 0;
let presentes = [];     // quem está na sala: a lista vem no welcome, depois só entradas e saídas

function mostrarPresentes() {
  $("online").textContent = presentes.length ? `na sala (${presentes.length}): ${presentes.join(", ")}` : "";
}

function mostrarEstado(texto, classe) {
  estado.textContent = texto;
  estado.className = `estado ${classe || ""}`;
}

function linha(classe, ...partes) {
  const li = document.createElement("li");
  li.className = classe;
  for (const [tag, cls, texto] of partes) {
    const span = document.createElement(tag);
    span.className = cls;
    span.textContent = texto;   // texto, nunca HTML
    li.append(span);
  }
  const grudado = lista.scrollHeight - lista.scrollTop - lista.clientHeight < 40;
  lista.append(li);
  if (grudado) lista.scrollTop = lista.scrollHeight;
}

function mostrarMensagem(m) {
  if (m.id <= ultimoId) return;  // já mostrada (não deve acontecer: o servidor manda cada uma uma vez)
  ultimoId = m.id;
  const hora = new Date(m.ts).toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit" });
  linha(m.nick === apelido ? "msg minha" : "msg",
        ["span", "id", `#${m.id}`], ["span", "hora", hora], ["b", "quem", m.nick], ["span", "texto", m.text]);
}

function receber(evento) {
  switch (evento.type) {
    case "welcome":
      tentativas = 0;
      mostrarEstado(`na sala como ${evento.nick}`, "ok");
      presentes = [...evento.online];
      mostrarPresentes();
      break;
    case "history":
      evento.messages.forEach(mostrarMensagem);
      break;
    case "message":
      mostrarMensagem(evento);
      if ($("digitando").dataset.quem === evento.nick) $("digitando").textContent = "";
      break;
    case "presence":
      if (evento.joined) presentes.push(evento.joined);
      else presentes = presentes.filter((quem) => quem !== evento.left);
      mostrarPresentes();
      linha("info", ["span", "", evento.joined ? `${evento.joined} entrou` : `${evento.left} saiu`]);
      break;
    case "typing":
      $("digitando").textContent = `${evento.nick} está digitando…`;
      $("digitando").dataset.quem = evento.nick;
      clearTimeout(timerDigitando);
      timerDigitando = setTimeout(() => { $("digitando").textContent = ""; }, limites.typing_shown_ms);
      break;
    case "error":
      linha("erro", ["span", "", evento.error]);
      break;
  }
}

function conectar() {
  timerVolta = null;
  if (saindo) return;
  mostrarEstado("conectando…");
  ws = new WebSocket(wsUrl());
  ws.addEventListener("open", () => {
    const entrar = { action: "join", nick: apelido };
    if (ultimoId > 0) entrar.since = ultimoId;        // voltando: só o que perdeu
    const token = $("token").value.trim();
    if (token) entrar.token = token;
    ws.send(JSON.stringify(entrar));
  });
  ws.addEventListener("message", (e) => {
    try {
      receber(JSON.parse(e.data));
    } catch (erro) {
      linha("erro", ["span", "", `mensagem ilegível do servidor: ${erro}`]);
    }
  });
  ws.addEventListener("close", (e) => {
    presentes = [];
    mostrarPresentes();
    if (saindo || e.code === 1008) {                  // saiu, ou o servidor recusou (token)
      mostrarEstado(e.code === 1008 ? `recusado: ${e.reason}` : "você saiu", e.code === 1008 ? "erro" : "");
      sala.hidden = true;                             // a sala antiga e o Enviar somem junto
      lista.replaceChildren();
      ultimoId = 0;
      $("entrar").hidden = false;
      return;
    }
    tentativas += 1;
    if (tentativas > 8) {
      mostrarEstado("sem conexão com o servidor (recarregue a página para tentar de novo)", "erro");
      return;
    }
    const espera = Math.min(10000, 500 * 2 ** tentativas) * (0.5 + Math.random() / 2);
    mostrarEstado(`conexão perdida (${e.code}); tentando de novo em ${Math.round(espera / 1000)} s…`, "erro");
    timerVolta = setTimeout(conectar, espera);
  });
}

$("entrar").addEventListener("submit", (e) => {
  e.preventDefault();
  apelido = $("apelido").value.trim();
  if (!apelido) return;
  saindo = false;
  tentativas = 0;
  $("entrar").hidden = true;
  sala.hidden = false;
  conectar();
  $("texto").focus();
});

$("enviar").addEventListener("submit", (e) => {
  e.preventDefault();
  const texto = $("texto").value.trim();
  if (!texto || !ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(JSON.stringify({ action: "send", text: texto }));
  $("texto").value = "";
  ultimoDigitando = 0;
});

$("texto").addEventListener("input", () => {
  const agora = Date.now();
  if (ws && ws.readyState === WebSocket.OPEN && agora - ultimoDigitando > limites.typing_every_ms) {
    ultimoDigitando = agora;
    ws.send(JSON.stringify({ action: "typing" }));
  }
});

$("sair").addEventListener("click", () => {
  saindo = true;
  clearTimeout(timerVolta);                           // esperando para reconectar: não volta mais
  sala.hidden = true;
  lista.replaceChildren();                            // a sala antiga some já, não só no close
  ultimoId = 0;
  presentes = [];
  mostrarPresentes();
  mostrarEstado("você saiu");
  $("entrar").hidden = false;
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ action: "leave" }));
  else if (ws) ws.close();
});

// Modo sala de aula: o instrutor passa o link com #token=... (o que vem depois do # não vai ao servidor).
const dica = new URLSearchParams(location.hash.slice(1));
if (dica.get("token")) $("token").value = dica.get("token");
if (dica.get("apelido")) $("apelido").value = dica.get("apelido");
