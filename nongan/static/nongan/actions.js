/* Small page actions without inline handlers (the Content-Security-Policy refuses onclick=):
 *   <button data-print>                    prints the page
 *   <button type="submit" data-confirm="…"> asks before submitting its form
 * Delegated from the document once, so pages swapped in by hx-boost keep working. */
(function () {
  "use strict";
  if (window.nonganActions) return;
  window.nonganActions = true;
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-confirm]") : null;
    if (!target) return;
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (!window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
