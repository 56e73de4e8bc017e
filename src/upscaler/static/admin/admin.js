// ImageUpscalerPro admin: the little the pages need beyond htmx.
// Loaded as a file (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // Plain forms that need a second thought.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // A successful model upload clears its form.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "model-upload" && event.detail.successful) {
      form.reset();
    }
  });

  // The System page's live log: this API process's lines over server-sent events.
  var tail = document.getElementById("log-tail");
  if (tail && window.EventSource) {
    var source = new EventSource(tail.getAttribute("data-stream"));
    var keep = 500;
    source.addEventListener("log", function (event) {
      var line = JSON.parse(event.data);
      var text = line.ts.slice(11, 23) + " " + line.level.toUpperCase() + " " + line.logger + ": " +
        line.message + (line.job_id ? " [job=" + line.job_id + "]" : "");
      var row = document.createElement("div");
      row.className = "log-" + line.level;
      row.textContent = text;
      var atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
      tail.appendChild(row);
      while (tail.childNodes.length > keep) {
        tail.removeChild(tail.firstChild);
      }
      if (atBottom) {
        tail.scrollTop = tail.scrollHeight;
      }
    });
  }
})();
