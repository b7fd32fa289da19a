// Live case chat over /ws/cases/<id>/?after=<last event id>. Without JavaScript (or when the
// websocket fails) the page still works: the form posts and the page reloads.
(function () {
  "use strict";
  const root = document.getElementById("case-live");
  if (!root || !("WebSocket" in window)) { return; }
  const caseId = root.dataset.caseId;
  const side = root.dataset.side;
  let after = parseInt(root.dataset.after || "0", 10);
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const typing = document.getElementById("chat-typing");
  const yourTurn = document.getElementById("your-turn");
  const seen = new Set(Array.from(log.querySelectorAll("[data-message-id]")).map((li) => li.dataset.messageId));
  let socket = null;
  let retry = 1000;
  let typingTimer = null;
  let lastTypingSent = 0;
  const pending = new Map(); // client_id -> body, until the server acknowledges (resent on reconnect)
  const errorBox = document.getElementById("chat-error");
  let readUpTo = 0;
  let readTimer = null;

  // A refused message (too fast, bad characters, ...): show why, and give the text back to the
  // person in the message box, in front of anything typed since. Nothing is lost.
  function showError(text) {
    if (!errorBox) { window.alert(text); return; }
    errorBox.textContent = text;
    errorBox.hidden = false;
  }
  function clearError() {
    if (errorBox) { errorBox.hidden = true; errorBox.textContent = ""; }
  }
  function giveBack(clientId) {
    if (!clientId || !pending.has(clientId)) { return; }
    const body = pending.get(clientId);
    pending.delete(clientId);
    const area = form && form.querySelector("textarea");
    if (area) { area.value = area.value.trim() ? body + "\n" + area.value : body; }
  }

  // One "read" frame for a batch of incoming messages (a backlog of 50 is one frame, not 50).
  function markRead(id) {
    readUpTo = Math.max(readUpTo, id);
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({type: "read", up_to: readUpTo})); }
    }, 300);
  }

  function newClientId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function addMessage(m) {
    if (seen.has(String(m.id))) { return; }
    seen.add(String(m.id));
    const empty = log.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
    const li = document.createElement("li");
    li.className = "chat-message chat-" + m.side;
    li.dataset.messageId = m.id;
    const who = document.createElement("span");
    who.className = "chat-sender";
    who.textContent = m.sender_name;
    const when = document.createElement("time");
    when.dateTime = m.created_at;
    when.textContent = " " + new Date(m.created_at).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
    const body = document.createElement("p");
    body.textContent = m.body;
    li.append(who, when, body);
    log.append(li);
    if (m.side !== side && document.visibilityState === "visible" && socket) { markRead(m.id); }
  }

  // Case changes other than messages (taken, transferred, closed, ...) re-render the status part
  // of the page from the server, so the wording is the page's own (and translated).
  const STATUS_KINDS = new Set(["claimed", "returned_to_queue", "closed", "reopened", "transferred",
    "escalated", "urgency_overridden", "reassigned", "handed_over", "released"]);
  const loadedAfter = after;
  let partsTimer = null;
  function refreshParts(kind) {
    clearTimeout(partsTimer);
    partsTimer = setTimeout(() => {
      fetch(location.pathname, {credentials: "same-origin"}).then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const ids = ["case-status-live"];
          if (kind === "closed" || kind === "reopened") { ids.push("case-actions-live"); }
          ids.forEach((id) => {
            const fresh = doc.getElementById(id);
            const current = document.getElementById(id);
            if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
          });
          const turn = document.getElementById("your-turn");
          if (turn && kind === "claimed") { turn.hidden = false; }
        }).catch(() => {});
    }, 200);
  }

  function addDocument(d, eventId) {
    const key = "d" + d.id;
    if (seen.has(key)) { return; }
    seen.add(key);
    const empty = log.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
    const li = document.createElement("li");
    li.className = "chat-message chat-staff chat-document";
    li.dataset.eventId = eventId;
    const a = document.createElement("a");
    a.href = d.url;
    a.textContent = d.title;
    li.append(a);
    log.append(li);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/cases/" + caseId + "/?after=" + after);
    socket.onopen = () => {
      retry = 1000;
      pending.forEach((body, clientId) => socket.send(JSON.stringify({type: "message", body: body, client_id: clientId})));
    };
    socket.onmessage = (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === "event") {
        after = Math.max(after, frame.id);
        if (frame.kind === "message") { addMessage(frame.message); }
        else if (frame.kind === "document_added" && frame.document) { addDocument(frame.document, frame.id); }
        if (STATUS_KINDS.has(frame.kind) && frame.id > loadedAfter) { refreshParts(frame.kind); }
      } else if (frame.type === "ack") {
        pending.delete(frame.client_id);
        if (!pending.size) { clearError(); }
      } else if (frame.type === "your_turn" && yourTurn) {
        yourTurn.hidden = false;
      } else if (frame.type === "typing" && typing) {
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { typing.hidden = true; }, 4000);
      } else if (frame.type === "error") {
        giveBack(frame.client_id);
        showError(frame.message);
      }
    };
    socket.onclose = (e) => {
      socket = null;
      if (e.code === 4403) { return; }
      // 4429 (too fast), 4400 (frames not understood), 1009 (too large): the server said why in an
      // error frame just before; wait longer before trying again. Unsent messages stay pending.
      if (e.code === 4429 || e.code === 4400 || e.code === 1009) { retry = Math.max(retry, 10000); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  // "Show older messages": fetch the page before the oldest message shown and put it on top.
  // Without JavaScript the same link opens the older messages as a page of their own.
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("#chat-older a");
    if (!link || !window.fetch) { return; }
    e.preventDefault();
    fetch(link.href, {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const items = Array.from(doc.querySelectorAll("#chat-older-page > li"))
          .filter((li) => !seen.has(li.dataset.messageId));
        items.forEach((li) => seen.add(li.dataset.messageId));
        log.prepend(...items.map((li) => document.importNode(li, true)));
        const current = document.getElementById("chat-older");
        const next = doc.getElementById("chat-older");
        if (next) {
          const fresh = document.importNode(next, true);
          current.replaceWith(fresh);
          fresh.querySelector("a").focus({preventScroll: true}); // keyboard users keep their place
        } else {
          current.remove();
        }
      })
      .catch(() => { window.location.href = link.href; });
  });

  // Phrase templates (staff): "/code" followed by a space is replaced by the filled-in text.
  let templates = [];
  if (root.dataset.templatesUrl && form) {
    fetch(root.dataset.templatesUrl, {credentials: "same-origin"}).then((r) => r.json())
      .then((data) => { templates = data.templates || []; }).catch(() => {});
    const area = form.querySelector("textarea");
    const hint = document.getElementById("template-hint");
    area.addEventListener("input", () => {
      const upto = area.value.slice(0, area.selectionStart);
      const done = upto.match(/(^|\s)\/([a-z0-9-]+)\s$/);
      if (done) {
        const found = templates.find((t) => t.code === done[2]);
        if (found) {
          const start = upto.length - done[2].length - 2;
          area.value = area.value.slice(0, start) + found.text + area.value.slice(upto.length);
          const caret = start + found.text.length;
          area.setSelectionRange(caret, caret);
          return;
        }
      }
      const typing = upto.match(/(^|\s)\/([a-z0-9-]*)$/);
      if (hint && typing) {
        const matches = templates.filter((t) => t.code.startsWith(typing[2])).slice(0, 5);
        hint.textContent = matches.map((t) => "/" + t.code + " – " + t.title).join("  ·  ");
      }
    });
  }

  if (form) {
    const textarea = form.querySelector("textarea");
    const clientIdInput = form.querySelector("input[name=client_id]");
    textarea.addEventListener("input", () => {
      const now = Date.now();
      if (socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 2000) {
        lastTypingSent = now;
        socket.send(JSON.stringify({type: "typing"}));
      }
    });
    form.addEventListener("submit", (e) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) { return; } // fall back to the form post
      e.preventDefault();
      const body = textarea.value.trim();
      if (!body) { return; }
      pending.set(clientIdInput.value, body);
      clearError();
      socket.send(JSON.stringify({type: "message", body: body, client_id: clientIdInput.value}));
      textarea.value = "";
      clientIdInput.value = newClientId();
    });
  }
  connect();
})();
