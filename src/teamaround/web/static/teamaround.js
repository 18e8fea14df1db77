// Progressive enhancement only: every page works without this script.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

// A print button where printing makes sense; without JavaScript the page says how to print.
for (const button of document.querySelectorAll("[data-teamaround-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
