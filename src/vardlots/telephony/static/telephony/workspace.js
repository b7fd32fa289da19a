// Keyboard operation of the telephone advice workspace and the documentation copy button.
// Without JavaScript everything still works with Tab, Enter and Space (and the accesskeys).
//
//   J / N / V   yes / no / don't know        1-9  an option (ticks it in a multiple choice)
//   0           none of these                 /    the contact reason search
//   D           the documentation text        Enter submits the focused form as usual
(function () {
  "use strict";
  const root = document.getElementById("call-workspace");
  if (!root) { return; }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    const tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) { return true; }
    if (tag === "input") {
      const type = (target.getAttribute("type") || "text").toLowerCase();
      return !["checkbox", "radio", "button", "submit"].includes(type);
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (typing(event.target)) { return; }
    const key = event.key.toLowerCase();
    if (key === "/") {
      const search = document.getElementById("reason-q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (key === "d") {
      const doc = document.getElementById("doc-text");
      if (doc) { event.preventDefault(); doc.focus(); }
      return;
    }
    const form = document.getElementById("question-form");
    if (!form) { return; }
    const target = form.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.type === "checkbox") {
      target.checked = !target.checked;
      target.focus();
    } else {
      target.click();
    }
  });

  // Put the keyboard where the work is: the first search hit, the current question, or the search.
  // After the load event, so that the browser's scroll to the #fragment does not take it away.
  function placeFocus() {
    const firstHit = document.querySelector("[data-first-hit]");
    const question = document.getElementById("current-question");
    const done = document.getElementById("questions-done");
    const search = document.querySelector("#reason-q[data-autofocus]");
    if (firstHit) {
      firstHit.focus();
    } else if (question && (location.hash === "#assessment" || location.hash === "")) {
      question.focus();
    } else if (done && location.hash === "#assessment") {
      done.focus();
    } else if (search) {
      search.focus();
    } else if (location.hash) {
      const section = document.querySelector(location.hash + " h2");
      if (section) { section.setAttribute("tabindex", "-1"); section.focus(); }
    }
    root.dataset.ready = "1";
  }
  if (document.readyState === "complete") {
    window.setTimeout(placeFocus, 0);
  } else {
    window.addEventListener("load", function () { window.setTimeout(placeFocus, 0); });
  }

  const copy = document.getElementById("copy-doc");
  const status = document.getElementById("copy-status");
  if (copy) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      const text = document.getElementById(copy.dataset.copy);
      const ok = function () { status.textContent = status.dataset.copied; };
      const fallback = function () {
        text.focus();
        text.select();
        let done = false;
        try { done = document.execCommand("copy"); } catch (e) { done = false; }
        status.textContent = done ? status.dataset.copied : status.dataset.failed;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text.value).then(ok, fallback);
      } else {
        fallback();
      }
    });
  }
}());
