// Caixa de chat do notebook (helpers/chat/widget.py). A conexão WebSocket mora no kernel (Python);
// aqui só desenhamos o que o Python recebeu e devolvemos a ele o que o aluno digitou. Os limites
// (tamanho da mensagem, intervalo do "digitando") vêm do protocolo, no trait "limits".
// Tudo que vem de outras pessoas entra como texto (textContent), nunca como HTML.
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: host }) {
  const root = el("div", "curso-chat");
  const head = el("div", "curso-chat-head");
  const nick = el("span", "curso-chat-nick");
  const status = el("span", "curso-chat-status");
  head.append(nick, status);
  const online = el("div", "curso-chat-online");
  const log = el("div", "curso-chat-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  const typing = el("div", "curso-chat-typing");
  const form = el("form", "curso-chat-form");
  const input = el("input", "curso-chat-input");
  input.type = "text";
  const limits = model.get("limits");
  input.maxLength = limits.max_text;
  input.placeholder = "Escreva e tecle Enter";
  input.setAttribute("aria-label", "mensagem");
  const button = el("button", "curso-chat-send", "Enviar");
  button.type = "submit";
  form.append(input, button);
  root.append(head, online, log, typing, form);
  host.append(root);

  let lastTyping = 0;
  input.addEventListener("input", () => {
    const now = Date.now();
    if (input.value && now - lastTyping > limits.typing_every_ms) {  // no máximo um "digitando" por intervalo
      lastTyping = now;
      model.send({ do: "typing" });
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    model.send({ do: "send", text });
    input.value = "";
    lastTyping = 0;
  });
  // Teclas digitadas aqui não devem virar atalhos do JupyterLab (ex.: "a" cria célula).
  input.addEventListener("keydown", (event) => event.stopPropagation());

  function drawHead() {
    nick.textContent = model.get("nick");
    status.textContent = model.get("status");
    root.classList.toggle("offline", !model.get("connected"));
    input.disabled = button.disabled = !model.get("connected");
    const who = model.get("online");
    online.textContent = who.length ? `na sala: ${who.join(", ")}` : "";
    const t = model.get("typing");
    typing.textContent = t ? `${t} está digitando…` : "";
  }

  function drawLines() {
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 30;
    log.replaceChildren();
    for (const line of model.get("lines")) {
      const row = el("div", `curso-chat-line ${line.kind}`);
      if (line.kind === "message" || line.kind === "mine") {
        row.append(el("span", "id", `#${line.id}`), el("b", "who", line.nick), el("span", "text", line.text));
      } else {
        row.textContent = line.text;
      }
      log.append(row);
    }
    if (stick) log.scrollTop = log.scrollHeight;
  }

  const events = ["change:nick", "change:status", "change:connected", "change:online", "change:typing"];
  events.forEach((e) => model.on(e, drawHead));
  model.on("change:lines", drawLines);
  drawHead();
  drawLines();
  log.scrollTop = log.scrollHeight;
  return () => {
    events.forEach((e) => model.off(e, drawHead));
    model.off("change:lines", drawLines);
  };
}

export default { render };
