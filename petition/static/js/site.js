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
// The filter searches the whole list, the part behind "show the other organisations" included:
// while there is a query that part is open and its summary out of the way.
function setUpOrganisationFilter() {
  const form = document.querySelector("[data-org-filter]");
  const list = document.querySelector("[data-org-list]");
  const status = document.getElementById("org-status");
  if (!form || !list || !status) return;
  const input = form.querySelector("input[name=q]");
  const more = list.querySelector("[data-org-more]");
  const lead = document.querySelector(".lead-signatory[data-key]");
  const items = Array.from(list.querySelectorAll("li[data-key]")).concat(lead ? [lead] : []);
  const groups = Array.from(list.querySelectorAll(".org-group"));
  let openBeforeFilter = more ? more.open && !more.hasAttribute("data-filtering") : false;
  let timer = null;

  // Typing filters in place: the button is for browsers without script.
  const submit = form.querySelector("[data-org-submit]");
  if (submit) submit.hidden = true;

  function apply() {
    const terms = fold(input.value.trim()).split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const match = terms.every((term) => item.dataset.key.includes(term));
      item.hidden = !match;
      if (match) shown += 1;
    }
    for (const group of groups) group.hidden = !group.querySelector("li:not([hidden])");
    if (more) {
      if (terms.length && !more.hasAttribute("data-filtering")) {
        openBeforeFilter = more.open;
        more.setAttribute("data-filtering", "");
        more.open = true;
      } else if (!terms.length && more.hasAttribute("data-filtering")) {
        more.removeAttribute("data-filtering");
        more.open = openBeforeFilter;
      }
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
    event.preventDefault();
    clearTimeout(timer);
    apply();
  });
}

// The index's letters lead into the list; a letter in the folded part opens it first (browsers
// that open a <details> for the target of a link do it themselves; this is for the others).
function setUpOrganisationIndex() {
  const more = document.querySelector("[data-org-more]");
  if (!more) return;
  const reveal = () => {
    const target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (target && more.contains(target) && !more.open) {
      more.open = true;
      target.scrollIntoView();
    }
  };
  window.addEventListener("hashchange", reveal);
  reveal();
}

// A way to sign within reach while reading: a slim bar at the bottom on a phone, a button beside
// the letter on a wide screen, shown while neither the hero's button, nor the form, nor the footer
// is in view (so it never sits on the form or on the footer's links); on a wide screen the list's
// columns reach under it, so it steps aside there too. It is fixed, outside the flow: showing it
// moves nothing on the page.
function setUpSignBar() {
  const bar = document.querySelector("[data-sign-bar]");
  if (!bar || !("IntersectionObserver" in window)) return;
  const always = [".hero-action", "#sign", ".site-footer"].map((selector) => document.querySelector(selector));
  const list = document.getElementById("endorsements");
  const wide = window.matchMedia("(min-width: 60rem)");
  const inView = new Set();

  function update() {
    const blocking = wide.matches ? always.concat([list]) : always;
    const show = !blocking.some((element) => element && inView.has(element));
    bar.hidden = !show;
    document.documentElement.classList.toggle("with-sign-bar", show);
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) inView.add(entry.target);
      else inView.delete(entry.target);
    }
    update();
  });
  for (const element of always.concat([list])) if (element) observer.observe(element);
  wide.addEventListener("change", update);
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
  setUpOrganisationIndex();
  setUpSignBar();
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
