// Progressive enhancements for the public pages. Everything here is optional: without script,
// the same features work through plain links and forms.
"use strict";

function fold(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function formatNumber(value) {
  return new Intl.NumberFormat(document.documentElement.lang).format(value);
}

// Filter the organisations as one types; the form still works as a plain GET without script.
function setUpOrganisationFilter() {
  const form = document.querySelector("[data-org-filter]");
  const list = document.querySelector("[data-org-list]");
  const status = document.getElementById("org-status");
  if (!form || !list || !status) return;
  const input = form.querySelector("input[name=q]");
  const items = Array.from(list.querySelectorAll("li"));
  let timer = null;

  function apply() {
    const terms = fold(input.value.trim()).split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const match = terms.every((term) => item.dataset.key.includes(term));
      item.hidden = !match;
      if (match) shown += 1;
    }
    if (!terms.length) {
      status.textContent = "";
    } else if (shown) {
      status.textContent = status.dataset.templateSome
        .replace("{shown}", formatNumber(shown))
        .replace("{total}", formatNumber(items.length));
    } else {
      status.textContent = status.dataset.templateNone.replace("{query}", input.value.trim());
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  form.addEventListener("submit", (event) => {
    // Typing filters in place; only a change of order needs the server.
    const order = form.querySelector("select[name=order]");
    if (order && order.value === (new URLSearchParams(location.search).get("order") || "list")) {
      event.preventDefault();
      apply();
    }
  });
}

// The share panel: "copy" and the browser's own share sheet, shown only where they work.
function setUpSharePanel() {
  for (const panel of document.querySelectorAll(".share")) {
    const input = panel.querySelector("[data-share-url]");
    const copy = panel.querySelector("[data-copy-link]");
    const status = panel.querySelector(".share-status");
    const native = panel.querySelector("[data-native-share]");
    if (!input) continue;
    input.addEventListener("focus", () => input.select());
    if (copy && status && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          status.textContent = status.dataset.copied;
        } catch {
          input.select();
          status.textContent = status.dataset.copyFailed;
        }
      });
    }
    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", () => {
        navigator
          .share({ title: native.dataset.shareTitle, text: native.dataset.shareText, url: input.value })
          .catch(() => {}); // Closing the share sheet is not an error worth showing.
      });
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpOrganisationFilter();
  setUpSharePanel();
});

// The confirmation page confirms by POST: script sends the form at once; without script the
// button is there. Opening the link alone (as mail scanners do) confirms nothing.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-autosubmit]");
  if (form) form.submit();
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
