// Category names and underline colours, shared by the content script and the popup.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  B.LABELS = {
    age: { name: "Age", color: "#d9480f" },
    disability: { name: "Disability", color: "#7048e8" },
    feminine: { name: "Feminine-coded", color: "#c2255c" },
    general: { name: "General", color: "#868e96" },
    masculine: { name: "Masculine-coded", color: "#1c7ed6" },
    racial: { name: "Racial / ethnic", color: "#e67700" },
    sexuality: { name: "Sexuality", color: "#2b8a3e" },
  };
  B.labelInfo = (label) => B.LABELS[label] || { name: label, color: "#e03131" };
})();
