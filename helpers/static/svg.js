// O renderizador dos desenhos do curso (helpers/svg.py: diagrama de sequência, cascata de
// tempos, tabelas). O SVG vem pronto do Python; aqui só o mostramos. Passe o mouse para ver o
// <title> de cada elemento. Se o widget tiver "items" (o nome do trait com a lista) e
// "selected", clicar num elemento [data-pick][data-i] mostra, embaixo, os detalhes daquele item
// (cabeçalho, hex e texto).
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = ["curso-svg", model.get("css_class")].filter(Boolean).join(" ");
  const drawing = document.createElement("div");
  drawing.className = "curso-svg-drawing";
  root.append(drawing);
  el.append(root);
  const selectable = model.get("selected") !== undefined && model.get("items") !== undefined;
  const panel = document.createElement("div");
  panel.className = "curso-svg-details";
  if (selectable) root.append(panel);

  function showSelected() {
    const i = model.get("selected");
    const item = (model.get(model.get("items")) || [])[i];
    drawing.querySelectorAll("[data-pick][data-i]").forEach((g) =>
      g.classList.toggle("selected", Number(g.dataset.i) === i));
    if (!item) {
      panel.innerHTML = "";
      const hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = model.get("hint") || "Clique num elemento para ver os detalhes.";
      panel.append(hint);
      return;
    }
    panel.innerHTML = "";
    const head = document.createElement("p");
    head.className = "head";
    head.textContent = item.head || "";
    const hex = document.createElement("pre");
    hex.className = "hex";
    hex.textContent = item.hex || "(sem bytes)";
    const text = document.createElement("pre");
    text.className = "text";
    text.textContent = item.text || "";
    panel.append(head, hex, text);
  }

  function draw() {
    drawing.innerHTML = model.get("svg");
    if (!selectable) return;
    drawing.querySelectorAll("[data-pick][data-i]").forEach((g) => {
      g.addEventListener("click", () => {
        const i = Number(g.dataset.i);
        model.set("selected", model.get("selected") === i ? -1 : i);
        model.save_changes();
      });
    });
    showSelected();
  }

  model.on("change:svg", draw);
  if (selectable) model.on("change:selected", showSelected);
  draw();
  return () => {
    model.off("change:svg", draw);
    if (selectable) model.off("change:selected", showSelected);
  };
}

export default { render };
