// Resident e-ID log-in: poll the order status, refresh the animated QR code every second,
// go on when the log-in is complete. Without JavaScript the page refreshes itself (<noscript>).
const root = document.getElementById("eid");
if (root) {
  const statusUrl = root.dataset.statusUrl;
  const message = document.getElementById("eid-message");
  const qr = document.getElementById("eid-qr");
  let stopped = false;

  async function poll() {
    if (stopped) return;
    try {
      const response = await fetch(statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        if (data.status === "complete" && data.redirect) {
          stopped = true;
          window.location.assign(data.redirect);
          return;
        }
        if (message && data.message && message.textContent !== data.message) {
          message.textContent = data.message;
        }
        if (data.status === "failed") {
          stopped = true;
          window.location.reload(); // the server renders the failure and a "try again" button
          return;
        }
        if (qr && data.qr) qr.src = data.qr;
      }
    } catch (error) {
      // network hiccup: try again at the next tick
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
}
