// Live staff queues: /ws/queues/ rings on every change in a queue the member of staff may see;
// the page then fetches its rows again (the server renders them, the bell carries no data).
// Without JavaScript the page works as it is and shows the queues as of the last load.
(function () {
  "use strict";
  const root = document.getElementById("queue-live");
  if (!root || !("WebSocket" in window) || !window.fetch) { return; }
  const status = document.getElementById("queue-status");
  let retry = 1000;
  let timer = null;
  let inFlight = false;
  let again = false;

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(location.pathname, {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const focused = document.activeElement && root.contains(document.activeElement);
        if (!focused) {
          root.innerHTML = html;
          root.dataset.refreshed = String(Date.now());
          if (status) { status.textContent = root.dataset.updatedLabel || ""; }
        } else {
          again = true; // do not pull the focused button away from a keyboard user; try shortly
        }
      })
      .catch(() => {})
      .finally(() => {
        inFlight = false;
        if (again) { again = false; schedule(1500); }
      });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/queues/");
    socket.onopen = () => { retry = 1000; root.dataset.live = "1"; };
    socket.onmessage = (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === "queue_changed") { schedule(250); }
      else if (frame.type === "hello") { schedule(0); } // catch up on what changed while away
    };
    socket.onclose = (e) => {
      root.dataset.live = "0";
      if (e.code === 4403) { return; }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  setInterval(refresh, 60000); // waited minutes and target warnings move with the clock
  connect();
})();
