// Warns before the session ends for inactivity, and lets the user stay logged in.
// Polling is marked as background so it does not itself count as activity.
(function () {
  "use strict";
  var body = document.body;
  var statusUrl = body.getAttribute("data-session-status");
  if (!statusUrl) { return; }
  var keepaliveUrl = body.getAttribute("data-session-keepalive");
  var warnBefore = parseInt(body.getAttribute("data-session-warning") || "120", 10);
  var box = document.getElementById("session-warning");
  var button = document.getElementById("session-keepalive");
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function check() {
    fetch(statusUrl, { headers: { "X-Vardlots-Background": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.authenticated) { window.location.reload(); return; }
        var showing = !box.hidden;
        box.hidden = data.seconds_left > warnBefore;
        if (!box.hidden && !showing) { button.focus(); }
        window.setTimeout(check, Math.max(5, Math.min(60, data.seconds_left - warnBefore)) * 1000);
      })
      .catch(function () { window.setTimeout(check, 30000); });
  }
  button.addEventListener("click", function () {
    fetch(keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
      .then(function () { box.hidden = true; window.setTimeout(check, 1000); });
  });
  window.setTimeout(check, 5000);
})();
