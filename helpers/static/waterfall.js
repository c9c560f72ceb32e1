// Cascata de tempos (helpers/waterfall.py). O SVG vem pronto do Python; aqui só o mostramos
// (passe o mouse numa barra para ver a duração exata: é o <title> de cada barra).
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "curso-waterfall";
  el.append(root);
  const draw = () => { root.innerHTML = model.get("svg"); };
  model.on("change:svg", draw);
  draw();
  return () => model.off("change:svg", draw);
}

export default { render };
