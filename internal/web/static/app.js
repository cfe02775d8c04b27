// Shiliu: small progressive enhancements. Every page works without them.
document.addEventListener("click", (e) => {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
  if (e.target.closest("[data-print]")) {
    window.print();
  }
});
// Close the phone menu after choosing an entry.
document.addEventListener("click", (e) => {
  const menu = document.querySelector("details.menu[open]");
  if (menu && !e.target.closest("details.menu summary") && (e.target.closest(".sidenav a") || !e.target.closest("details.menu"))) {
    menu.removeAttribute("open");
  }
});
// Choosing "emergency" on the intake form opens its required details.
document.addEventListener("change", (e) => {
  if (e.target.matches && e.target.matches("select[name=kind]")) {
    const d = document.querySelector("details.emergency");
    if (d && e.target.value === "emergency") {
      d.setAttribute("open", "");
    }
  }
});
