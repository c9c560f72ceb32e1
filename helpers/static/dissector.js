// Dissecador de frames (helpers/dissector.py). As contas vêm prontas do Python (trait
// "view"); aqui só desenhamos os bits e bytes e repassamos os controles ao modelo.
const FIELD_NAMES = {
  fin: "FIN", rsv: "RSV", opcode: "opcode", mask: "MASK", len7: "len",
  len16: "len 16", len64: "len 64", key: "chave",
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

function render({ model, el: host }) {
  const root = el("div", "curso-dis");
  host.append(root);

  // --- controles ------------------------------------------------------------------------------
  const controls = el("div", "curso-dis-controls");
  const kind = el("select", "kind");
  const kinds = model.get("kinds");
  for (const key of Object.keys(kinds)) {
    const opt = el("option", "", kinds[key]);
    opt.value = key;
    kind.append(opt);
  }
  const message = el("input", "message");
  message.type = "text";
  message.placeholder = "mensagem";
  const maskLabel = el("label", "mask");
  const mask = el("input");
  mask.type = "checkbox";
  maskLabel.append(mask, document.createTextNode(" mascarar (cliente → servidor)"));
  const sizeRow = el("div", "curso-dis-size");
  const sizeLabel = el("span", "", "tamanho do payload:");
  const size = el("input", "size");
  size.type = "number";
  size.min = "0";
  size.max = "1048576";
  const presets = el("span", "presets");
  const presetValues = [["natural", -1], ["125", 125], ["126", 126], ["65.535", 65535], ["65.536", 65536]];
  for (const [label, value] of presetValues) {
    const b = el("button", "preset", label);
    b.type = "button";
    b.title = value < 0 ? "o tamanho da própria mensagem" : `payload de ${label} bytes`;
    b.addEventListener("click", () => { model.set("size", value); model.save_changes(); });
    presets.append(b);
  }
  sizeRow.append(sizeLabel, size, presets);
  controls.append(kind, message, maskLabel, sizeRow);

  const error = el("div", "curso-dis-error");
  const sizes = el("div", "curso-dis-sizes");
  const grid = el("div", "curso-dis-grid");
  const legend = el("table", "curso-dis-legend");
  const payload = el("div", "curso-dis-payload");
  root.append(controls, error, sizes, grid, legend, payload);

  kind.addEventListener("change", () => { model.set("kind", kind.value); model.save_changes(); });
  message.addEventListener("input", () => { model.set("message", message.value); model.save_changes(); });
  mask.addEventListener("change", () => { model.set("masked", mask.checked); model.save_changes(); });
  size.addEventListener("change", () => {
    const v = Math.max(0, Math.min(1048576, Math.floor(Number(size.value) || 0)));
    model.set("size", v);
    model.save_changes();
  });

  // --- desenho --------------------------------------------------------------------------------
  function syncControls() {
    kind.value = model.get("kind");
    if (document.activeElement !== message) message.value = model.get("message");
    mask.checked = model.get("masked");
    const view = model.get("view") || {};
    const s = model.get("size");
    size.value = s < 0 ? (view.sizes ? view.sizes.payload : 0) : s;
  }

  function drawGrid(view) {
    grid.innerHTML = "";
    const bits = view.bits || [];
    const table = el("table", "bits");
    const head = el("tr", "idx");
    for (let i = 0; i < 32; i++) head.append(el("th", "", String(i % 10)));
    table.append(head);
    for (let row = 0; row < bits.length; row += 32) {
      const tr = el("tr");
      let i = row;
      while (i < Math.min(row + 32, bits.length)) {
        // agrupa bits vizinhos do mesmo campo numa célula com o nome, abaixo dos bits
        let j = i;
        while (j < Math.min(row + 32, bits.length) && bits[j].field === bits[i].field) j++;
        for (let k = i; k < j; k++) {
          const td = el("td", `bit f-${bits[k].field}`, String(bits[k].bit));
          td.title = FIELD_NAMES[bits[k].field] || bits[k].field;
          tr.append(td);
        }
        i = j;
      }
      table.append(tr);
      const names = el("tr", "names");
      i = row;
      while (i < Math.min(row + 32, bits.length)) {
        let j = i;
        while (j < Math.min(row + 32, bits.length) && bits[j].field === bits[i].field) j++;
        const td = el("td", `name f-${bits[i].field}`, FIELD_NAMES[bits[i].field] || "");
        td.colSpan = j - i;
        names.append(td);
        i = j;
      }
      table.append(names);
    }
    grid.append(table);
  }

  function drawLegend(view) {
    legend.innerHTML = "";
    const head = el("tr");
    for (const h of ["campo", "bits", "valor", "significado"]) head.append(el("th", "", h));
    legend.append(head);
    for (const f of view.fields || []) {
      const tr = el("tr");
      const name = el("td", `f-${f.id} swatch`, f.name);
      const bits = f.bits.length > 20 ? f.bits.slice(0, 19) + "…" : f.bits;
      tr.append(name, el("td", "mono", bits), el("td", "mono", f.value), el("td", "", f.meaning));
      legend.append(tr);
    }
  }

  function drawPayload(view) {
    payload.innerHTML = "";
    const p = view.payload || {};
    const title = el("p", "title", `payload: ${fmt(p.total || 0)} bytes` +
      (p.total > p.shown ? ` (mostrando os primeiros ${p.shown})` : ""));
    payload.append(title);
    if (!p.shown) return;
    const more = p.total > p.shown ? " …" : "";
    const rows = [["na rede", p.wire + more]];
    if (p.wire !== p.plain) rows.push(["desmascarado", p.plain + more]);
    rows.push(["como texto", p.text + more]);
    for (const [label, value] of rows) {
      const line = el("div", "row");
      line.append(el("span", "label", label), el("code", "", value));
      payload.append(line);
    }
  }

  function draw() {
    const view = model.get("view") || {};
    syncControls();
    error.textContent = view.error ? `✘ Frame inválido: ${view.error}` : "";
    error.style.display = view.error ? "block" : "none";
    const s = view.sizes || {};
    sizes.innerHTML = "";
    const strong = el("strong", "", `cabeçalho ${s.header} B`);
    sizes.append(strong, document.createTextNode(
      ` + payload ${fmt(s.payload)} B = ${fmt(s.total)} B na rede`));
    drawGrid(view);
    drawLegend(view);
    drawPayload(view);
  }

  const events = ["change:view", "change:kind", "change:masked", "change:size", "change:message"];
  for (const e of events) model.on(e, draw);
  draw();
  return () => { for (const e of events) model.off(e, draw); };
}

export default { render };
