// O painel da turma no navegador (capítulo 05, helpers/chat/painel.py). Polling: uma pergunta
// por segundo a painel.json, com o token do professor no header Authorization (o token vem do
// #token=... do link, parte que o navegador não manda ao servidor nem grava em logs).
// Números entram com textContent; os desenhos são SVG feitos pelo servidor, que escapa todo texto
// (um apelido com <script> vira texto).
"use strict";

const $ = (id) => document.getElementById(id);
const INTERVALO = 1000;
let token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let timer = null;

function numero(v, casas = 1) {
  if (v === null || v === undefined) return "–";
  const texto = v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(casas);
  return texto.replace(".", ",");
}

function svg(destino, texto) {
  const doc = new DOMParser().parseFromString(texto, "image/svg+xml");
  destino.replaceChildren(document.importNode(doc.documentElement, true));
}

function mostrar(p) {
  $("conectados").textContent = p.connected;
  $("entradas").textContent = `${p.joins} / ${p.leaves}`;
  $("msgs").textContent = `${numero(p.msgs_in)} · ${numero(p.msgs_out)}`;
  $("bytes").textContent = `${numero(p.bytes_in / 1024)} · ${numero(p.bytes_out / 1024)}`;
  $("atraso").textContent = `${numero(p.p50_ms, 2)} · ${numero(p.p99_ms, 2)} ms`;
  const fechados = Object.values(p.closed).reduce((a, b) => a + b, 0);
  $("fechados").textContent = `${fechados} · ${p.refused}`;
  $("resumo").textContent = p.summary;
  const linhas = p.slowest.map((c) => {
    const tr = document.createElement("tr");
    for (const v of [c.nick, `${c.buffer} B`, c.rtt === null ? "–" : `${numero(c.rtt * 1000, 2)} ms`]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  });
  $("lentos").replaceChildren(...linhas);
  const motivos = Object.entries(p.closed).length ? Object.entries(p.closed) : [["nenhum ainda", 0]];
  $("motivos").replaceChildren(...motivos.map(([motivo, n]) => {
    const li = document.createElement("li");
    li.textContent = `${motivo}: ${n}`;
    return li;
  }));
  svg($("grafico"), p.chart);
  svg($("diagrama"), p.diagram);
}

function estado(texto, classe) {
  $("estado").textContent = texto;
  $("estado").className = `estado ${classe || ""}`;
}

async function atualizar() {
  try {
    const r = await fetch("painel.json", {headers: {Authorization: `Bearer ${token}`}, cache: "no-store"});
    if (r.status === 403) {
      estado("recusado: este painel pede o token do professor", "erro");
      $("entrar").hidden = false;
      return;  // para de perguntar até alguém dar o token
    }
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    mostrar(await r.json());
    estado(`atualizado às ${new Date().toLocaleTimeString("pt-BR")}`, "ok");
  } catch (erro) {
    estado(`sem resposta do servidor (${erro.message}); tentando de novo`, "erro");
  }
  timer = setTimeout(atualizar, INTERVALO);  // a próxima só depois desta terminar
}

$("entrar").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("token").value.trim();
  $("entrar").hidden = true;
  clearTimeout(timer);
  atualizar();
});

atualizar();
