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
