// The progress of an update being sent, on its admin page: ask the progress route every few
// seconds and show the new figures without a reload, until every recipient is handled. The page
// writes everything this needs into the progress panel (templates/admin/updates/show.html): where
// and how often to ask, the number format, the sentences to show. Without script, the figures stay
// as the page was served, with a link to reload it.
"use strict";

(() => {
  const MAX_DELAY_MS = 60 * 1000;
  const FIGURES = ["recipients", "waiting", "queued", "sent", "failed", "not_sent"];

  function fill(template, values) {
    let text = template || "";
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, value);
    return text;
  }

  function setUp() {
    const panel = document.querySelector("[data-progress-url]");
    if (!panel || !window.fetch || "finished" in panel.dataset) return;

    const lang = document.documentElement.lang || "en-CA";
    const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    // The separator that the server's format_number writes (fr-CA: 12 345 with a no-break space).
    const separator = panel.dataset.groupSeparator;
    const format = (value) =>
      numberFormat
        .formatToParts(value)
        .map((part) => (part.type === "group" && separator ? separator : part.value))
        .join("");
    const labels = JSON.parse(panel.dataset.statusLabels || "{}");
    const interval = (Number(panel.dataset.pollSeconds) || 2) * 1000;
    const bar = panel.querySelector("[data-progress-bar]");
    const summary = panel.querySelector("[data-progress-summary]");
    const note = panel.querySelector("[data-progress-note]");
    const badge = document.querySelector("h1 .badge");
    let delay = interval;

    if (note && panel.dataset.textLive) note.textContent = panel.dataset.textLive;

    function show(progress) {
      for (const name of FIGURES) {
        const element = panel.querySelector(`[data-figure="${name}"]`);
        const text = format(progress[name]);
        if (element && element.textContent !== text) element.textContent = text;
      }
      const handled = progress.sent + progress.failed + progress.not_sent;
      if (bar) {
        bar.max = Math.max(progress.recipients, 1);
        bar.value = progress.recipients ? handled : progress.done ? 1 : 0;
      }
      const figures = { handled: format(handled), sent: format(progress.sent), recipients: format(progress.recipients) };
      let template = panel.dataset.textGoing;
      if (progress.status === "cancelled") template = panel.dataset.textCancelled;
      else if (progress.done) template = panel.dataset.textDone;
      const sentence = fill(template, figures);
      // The live region speaks when its text changes, so it is only written when it does.
      if (summary && summary.textContent !== sentence) summary.textContent = sentence;
      if (badge && labels[progress.status]) {
        badge.textContent = labels[progress.status];
        badge.className = `badge update-${progress.status}`;
      }
      if (progress.done) {
        for (const element of document.querySelectorAll("[data-hide-when-done]")) element.hidden = true;
      }
    }

    function finished(progress) {
      return progress.status === "cancelled" || (progress.done && progress.status !== "sending");
    }

    async function poll() {
      try {
        const response = await fetch(panel.dataset.progressUrl, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          cache: "no-store",
        });
        if (!response.ok) throw new Error(`status ${response.status}`);
        const progress = await response.json();
        show(progress);
        delay = interval;
        if (finished(progress)) return;
      } catch {
        // Signed out, or the site restarting: ask again later, less often.
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
      window.setTimeout(poll, delay);
    }

    window.setTimeout(poll, interval);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
