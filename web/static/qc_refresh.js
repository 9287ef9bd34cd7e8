// Technical QC panels still waiting for their report refresh themselves (a file, as the CSP allows no inline
// script): every few seconds the page is fetched again and each pending panel (section.qc[data-refresh]) is
// replaced by its new state, so the queue place and the progress move. When a report arrives the page reloads
// once, for the preview and the decisions it unlocks, unless a comment is being written: then only the panel changes.
(function () {
  "use strict";

  function pendingPanels() {
    return Array.prototype.slice.call(document.querySelectorAll("section.qc[data-refresh]"));
  }

  function writing() {
    return Array.prototype.some.call(document.querySelectorAll("textarea"), function (box) {
      return box.value.trim() !== "";
    });
  }

  function refresh() {
    var panels = pendingPanels();
    if (panels.length === 0) {
      return;
    }
    var seconds = Number(panels[0].getAttribute("data-refresh")) || 5;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var arrived = false;
        panels.forEach(function (panel) {
          var now = fresh.getElementById(panel.id);
          if (now === null) {
            return;
          }
          arrived = arrived || !now.hasAttribute("data-refresh");
          panel.replaceWith(document.importNode(now, true));
        });
        if (arrived && !writing()) {
          window.location.reload();
          return;
        }
        window.setTimeout(refresh, seconds * 1000);
      })
      .catch(function () {
        window.setTimeout(refresh, seconds * 2000); // the server is busy or restarting: ask again later
      });
  }

  var first = pendingPanels()[0];
  if (first) {
    window.setTimeout(refresh, (Number(first.getAttribute("data-refresh")) || 5) * 1000);
  }
})();
