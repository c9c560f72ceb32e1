// Gráficos do curso (helpers/plot.py). O SVG vem pronto do Python; aqui só o mostramos
// (passe o mouse num ponto ou numa barra para ver o valor: é o <title> de cada elemento).
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "curso-plot";
  el.append(root);
  const draw = () => { root.innerHTML = model.get("svg"); };
  model.on("change:svg", draw);
  draw();
  return () => model.off("change:svg", draw);
}

export default { render };
