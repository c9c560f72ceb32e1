// Diagrama de sequência (helpers/diagram.py). O SVG vem pronto do Python; aqui só
// mostramos o desenho e, ao clicar numa seta, os bytes daquela mensagem.
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "curso-seq";
  const drawing = document.createElement("div");
  drawing.className = "curso-seq-drawing";
  const panel = document.createElement("div");
  panel.className = "curso-seq-bytes";
  root.append(drawing, panel);
  el.append(root);

  function showSelected() {
    const i = model.get("selected");
    const msg = model.get("messages")[i];
    drawing.querySelectorAll("g.msg").forEach((g) =>
      g.classList.toggle("selected", Number(g.dataset.i) === i));
    if (!msg) {
      panel.innerHTML = '<p class="hint">Clique numa seta para ver os bytes da mensagem.</p>';
      return;
    }
    panel.innerHTML = "";
    const head = document.createElement("p");
    head.className = "head";
    head.textContent = `${msg.src} → ${msg.dst}: ${msg.label} (${msg.size} bytes)`;
    const hex = document.createElement("pre");
    hex.className = "hex";
    hex.textContent = msg.hex || "(sem bytes)";
    const text = document.createElement("pre");
    text.className = "text";
    text.textContent = msg.text || "";
    panel.append(head, hex, text);
  }

  function draw() {
    drawing.innerHTML = model.get("svg");
    drawing.querySelectorAll("g.msg.arrow").forEach((g) => {
      g.addEventListener("click", () => {
        const i = Number(g.dataset.i);
        model.set("selected", model.get("selected") === i ? -1 : i);
        model.save_changes();
      });
    });
    showSelected();
  }

  model.on("change:svg", draw);
  model.on("change:selected", showSelected);
  draw();
  return () => {
    model.off("change:svg", draw);
    model.off("change:selected", showSelected);
  };
}

export default { render };
