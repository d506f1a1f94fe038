// The live counters of the letter page and of the embeddable counter: ask /api/count every few
// seconds and show new numbers without a reload. The server writes everything this needs into the
// page (letter/_counter_macros.html): where and how often to ask, the number format, the phrases
// to announce. Without script, the numbers simply stay as the page was served.
"use strict";

(() => {
  const NAMES = ["signatures", "endorsements"];
  const MAX_DELAY_MS = 5 * 60 * 1000;
  const ANIMATION_MS = 1000;

  // The first step above the count; past the last step, the last one doubled until it is above
  // (as petition/counters.py goal_for does, so the bar never disagrees with the served page).
  function goalFor(count, steps) {
    if (!steps.length) return null;
    for (const step of steps) {
      if (step > count) return step;
    }
    let goal = steps[steps.length - 1];
    while (goal <= count) goal *= 2;
    return goal;
  }

  function fill(template, values) {
    let text = template || "";
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, value);
    return text;
  }

  function setUp() {
    const source = document.querySelector("[data-count-url]");
    if (!source || !window.fetch) return;

    const lang = document.documentElement.lang || "en-CA";
    const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    const pluralRules = new Intl.PluralRules(lang);
    // The separator that the server's format_number writes: the text must not change by a
    // character when the script takes over (fr-CA: 12 345 with a no-break space).
    const separator = source.dataset.groupSeparator;
    const format = (value) =>
      numberFormat
        .formatToParts(value)
        .map((part) => (part.type === "group" && separator ? separator : part.value))
        .join("");
    const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

    const goals = Array.from(document.querySelectorAll("[data-goal]")).map((element) => ({
      element,
      steps: (element.dataset.goals || "").split(",").map(Number).filter((step) => step > 0),
      bar: element.querySelector("progress"),
      text: element.querySelector("[data-goal-text]"),
    }));
    const statuses = document.querySelectorAll("[data-counter-status]");

    // What the page shows now (moving during an animation) and what it is heading for.
    const displayed = {};
    const target = {};
    const frames = {};
    for (const name of NAMES) {
      const element = document.querySelector(`[data-counter="${name}"]`);
      const value = element ? Number.parseInt(element.textContent.replace(/\D/g, ""), 10) : Number.NaN;
      if (Number.isSafeInteger(value)) displayed[name] = target[name] = value;
    }

    function render(name, value) {
      displayed[name] = value;
      const text = format(value);
      for (const element of document.querySelectorAll(`[data-counter="${name}"]`)) {
        if (element.textContent !== text) element.textContent = text;
      }
      if (name !== "signatures") return;
      for (const goal of goals) {
        const reach = goalFor(value, goal.steps);
        if (reach === null) continue;
        if (goal.bar) {
          goal.bar.max = reach;
          goal.bar.value = value;
        }
        if (goal.text) goal.text.textContent = fill(goal.element.dataset.template, { count: text, goal: format(reach) });
      }
    }

    // Count up (or down) to the new value over about a second; at once where motion is reduced.
    function animate(name, to) {
      cancelAnimationFrame(frames[name]);
      for (const element of document.querySelectorAll(`[data-counter="${name}"]`)) {
        element.classList.remove("changed");
        void element.offsetWidth; // restarts the highlight's CSS animation
        element.classList.add("changed");
      }
      const from = displayed[name];
      if (reducedMotion.matches || document.hidden) {
        render(name, to);
        return;
      }
      const start = performance.now();
      const step = (now) => {
        const progress = Math.min((now - start) / ANIMATION_MS, 1);
        const eased = 1 - (1 - progress) ** 3;
        render(name, Math.round(from + (to - from) * eased));
        if (progress < 1) frames[name] = requestAnimationFrame(step);
      };
      frames[name] = requestAnimationFrame(step);
    }

    function phrase(name, value) {
      const status = statuses[0];
      if (!status) return "";
      const form = pluralRules.select(value) === "one" ? "One" : "Other";
      return fill(status.dataset[name + form], { count: format(value) });
    }

    function goalReached(before, after) {
      const goal = goals[0];
      const status = statuses[0];
      if (!goal || !status || after <= before) return "";
      const previous = goalFor(before, goal.steps);
      const next = goalFor(after, goal.steps);
      if (previous === null || next <= previous) return "";
      return fill(status.dataset.goalReached, { goal: format(previous), next: format(next) });
    }

    function show(counts) {
      if (!counts || typeof counts !== "object") throw new Error("unexpected answer");
      const messages = [];
      for (const name of NAMES) {
        const value = counts[name];
        if (!(name in target) || !Number.isSafeInteger(value) || value < 0 || value === target[name]) continue;
        const before = target[name];
        target[name] = value;
        animate(name, value);
        messages.push(phrase(name, value));
        if (name === "signatures") messages.push(goalReached(before, value));
      }
      const announcement = messages.filter(Boolean).join(" ");
      if (announcement) {
        for (const status of statuses) status.textContent = announcement;
      }
    }

    // Polling: one request at a time, none while the tab is hidden, slower and slower on errors.
    // The browser's HTTP cache does the revalidation: it sends the ETag back and turns the
    // server's 304 into the stored answer.
    const baseDelay = Math.max(1000 * Number(source.dataset.pollSeconds) || 10000, 100);
    let timer = null;
    let inFlight = false;
    let failures = 0;

    function schedule() {
      clearTimeout(timer);
      timer = null;
      if (document.hidden) return;
      let delay = baseDelay;
      if (failures) delay = Math.min(baseDelay * 2 ** failures, MAX_DELAY_MS) * (1 + Math.random() / 10);
      timer = setTimeout(poll, delay);
    }

    async function poll() {
      timer = null;
      if (inFlight || document.hidden) return;
      inFlight = true;
      try {
        const response = await fetch(source.dataset.countUrl, { headers: { Accept: "application/json" } });
        // A bare 304 reaches the script only if it had sent a validator itself: nothing changed.
        if (response.status !== 304) {
          if (!response.ok) throw new Error(`status ${response.status}`);
          show(await response.json());
        }
        failures = 0;
      } catch {
        failures += 1;
      } finally {
        inFlight = false;
      }
      schedule();
    }

    document.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = null;
      } else if (!inFlight) {
        poll();
      }
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
