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
// Import progress: poll the job until its check or import is finished,
// then show the result.
(() => {
  const box = document.querySelector("[data-import-job]");
  if (!box) {
    return;
  }
  const job = box.getAttribute("data-import-job");
  const bar = box.querySelector("progress");
  const rows = box.querySelector("[data-rows]");
  const poll = async () => {
    try {
      const res = await fetch("/persons/import/status?job=" + encodeURIComponent(job), { headers: { Accept: "application/json" } });
      const s = await res.json();
      if (s.total > 0 && bar) {
        bar.value = Math.floor((s.done * 100) / s.total);
      }
      if (rows) {
        rows.textContent = s.rows;
      }
      if (s.state !== "checking" && s.state !== "importing") {
        window.location.reload();
        return;
      }
    } catch (e) {
      // a passing network hiccup: try again
    }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 400);
})();
// Roll call: one tap marks a person present (or not) without leaving the
// page; the server keeps one row per person, so a double tap is harmless.
document.addEventListener("submit", async (e) => {
  const form = e.target.closest("form[data-rollcall]");
  if (!form) {
    return;
  }
  e.preventDefault();
  const btn = form.querySelector("button.tap");
  const present = form.querySelector("input[name=present]");
  btn.disabled = true;
  try {
    const res = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), headers: { Accept: "application/json" } });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      window.alert((body.error && body.error.message) || res.statusText);
      return;
    }
    const on = present.value === "1";
    present.value = on ? "0" : "1";
    btn.classList.toggle("on", on);
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    const mark = btn.querySelector(".mark");
    mark.textContent = mark.getAttribute(on ? "data-on" : "data-off");
    const count = document.querySelector("[data-present-count]");
    if (count) {
      count.textContent = String(Number(count.textContent) + (on ? 1 : -1));
    }
  } catch (err) {
    window.alert(err);
  } finally {
    btn.disabled = false;
  }
});
