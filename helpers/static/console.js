// O console do navegador (helpers/widgets/console.py, capítulo 04). O código do aluno roda aqui,
// na página, como uma função async com três nomes prontos:
//   console   o de sempre (log, info, warn, error), que também anota cada linha no widget
//             e a manda ao kernel (trait "logs");
//   servidor  servidor.ws("eco") e servidor.http("mensagens"): URLs de um servidor do kernel,
//             direto (http://127.0.0.1:PORTA/SEGREDO/) ou pelo jupyter-server-proxy
//             (/user/ana/proxy/127.0.0.1:PORTA/SEGREDO/), com ws/wss conforme a página;
//   esperar   esperar(ms): uma pausa (uma Promise que resolve depois de ms milissegundos).
"use strict";

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;

function show(value) {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof CloseEvent !== "undefined" && value instanceof CloseEvent)
    return `[evento close: código ${value.code}, motivo "${value.reason}"]`;
  if (typeof MessageEvent !== "undefined" && value instanceof MessageEvent)
    return `[evento message: ${show(value.data)}]`;
  if (typeof Event !== "undefined" && value instanceof Event) return `[evento ${value.type}]`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength} bytes)`;
  if (typeof Blob !== "undefined" && value instanceof Blob) return `Blob(${value.size} bytes)`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch (e) {
    return String(value);
  }
}

function urls(base) {
  const root = new URL(base || "./", location.href);
  const http = (path = "") => new URL(String(path).replace(/^\//, ""), root).href;
  const ws = (path = "") => {
    const url = new URL(http(path));
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  };
  return { http, ws, toString: () => root.href };
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "curso-console";
  const title = document.createElement("p");
  title.className = "title";
  const code = document.createElement("textarea");
  code.className = "code";
  code.spellcheck = false;
  code.setAttribute("aria-label", "código JavaScript");
  const bar = document.createElement("div");
  bar.className = "bar";
  const runButton = document.createElement("button");
  runButton.className = "run";
  runButton.textContent = "▶ Executar no navegador";
  const status = document.createElement("span");
  status.className = "status";
  bar.append(runButton, status);
  const out = document.createElement("pre");
  out.className = "out";
  out.setAttribute("aria-live", "polite");
  const expected = document.createElement("p");
  expected.className = "expected";
  root.append(title, code, bar, out, expected);
  el.append(root);

  function draw() {
    title.textContent = model.get("title");
    if (document.activeElement !== code) code.value = model.get("code");
    code.rows = Math.min(24, Math.max(3, model.get("code").split("\n").length + 1));
    const want = model.get("expected");
    expected.textContent = want ? `O que você deve ver:\n${want}` : "";
  }

  function drawLogs() {
    out.innerHTML = "";
    for (const entry of model.get("logs") || []) {
      const line = document.createElement("div");
      line.className = `line ${entry.level}`;
      const t = document.createElement("span");
      t.className = "t";
      t.textContent = `${String(entry.t).padStart(5)} ms  `;
      line.append(t, document.createTextNode(entry.text));
      out.append(line);
    }
    out.scrollTop = out.scrollHeight;
  }

  async function run() {
    const runs = model.get("runs");
    model.set("done", runs); // antes de começar: outra vista do mesmo widget não roda de novo
    const gone = model.get("offline");
    if (gone && /\bservidor\b/.test(model.get("code"))) {
      // o servidor saiu do ar: o código ficaria esperando um WebSocket que nunca abre
      model.set("logs", [{ level: "warn", text: gone, t: 0 }]);
      model.set("finished", runs);
      model.save_changes();
      status.textContent = "servidor fora do ar";
      return;
    }
    model.set("logs", []);
    model.save_changes();
    const start = performance.now();
    let logs = [];
    const note = (level, args) => {
      if (logs.length >= model.get("max_lines")) return;
      logs = [...logs, { level, text: args.map(show).join(" "), t: Math.round(performance.now() - start) }];
      model.set("logs", logs);
      model.save_changes();
    };
    const own = {};
    for (const level of ["log", "info", "warn", "error"]) {
      own[level] = (...args) => {
        note(level, args);
        console[level](...args);
      };
    }
    status.textContent = "rodando…";
    try {
      await new AsyncFunction("console", "servidor", "esperar", model.get("code"))(
        own, urls(model.get("base")), (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
      status.textContent = "terminou (callbacks ainda podem escrever)";
    } catch (error) {
      note("error", [error]);
      status.textContent = "terminou com erro";
    }
    model.set("finished", runs);
    model.save_changes();
  }

  function drawOffline() {
    if (model.get("offline")) status.textContent = "servidor fora do ar";
  }

  function maybeRun() {
    if (model.get("runs") > model.get("done")) run();
  }

  code.addEventListener("input", () => {
    model.set("code", code.value);
    model.save_changes();
  });
  runButton.addEventListener("click", () => {
    model.set("runs", model.get("runs") + 1);
    model.save_changes();
    maybeRun();
  });
  model.on("change:code", draw);
  model.on("change:title", draw);
  model.on("change:expected", draw);
  model.on("change:logs", drawLogs);
  model.on("change:runs", maybeRun);
  model.on("change:offline", drawOffline);
  draw();
  drawLogs();
  drawOffline();
  maybeRun();
  return () => {
    model.off("change:code", draw);
    model.off("change:title", draw);
    model.off("change:expected", draw);
    model.off("change:logs", drawLogs);
    model.off("change:runs", maybeRun);
    model.off("change:offline", drawOffline);
  };
}

export default { render };
