// Collision notice: while a case is open, say who else has it open, refreshed quietly.
(function () {
  const box = document.getElementById("collision");
  if (!box) return;
  const names = document.getElementById("collision-names");
  async function refresh() {
    try {
      const response = await fetch(box.dataset.url, {
        credentials: "same-origin",
        // Not the reader's activity: an open page must not keep an idle session alive.
        headers: { "X-Corrispondenza-Background": "1" },
      });
      if (!response.ok) return;
      const data = await response.json();
      names.textContent = data.others.join(", ");
      box.hidden = data.others.length === 0;
    } catch (error) {
      // Offline for a moment: the next round tries again.
    }
  }
  setInterval(refresh, 15000);
})();

// The reply composer: quick replies go in at the cursor; the draft is saved as one types.
(function () {
  const form = document.querySelector(".composer form");
  if (!form) return;
  const text = form.querySelector("textarea[name=text]");
  const state = form.querySelector(".draft-state");
  const picker = form.querySelector(".quick-replies");
  const filter = form.querySelector(".quick-replies-filter");
  if (picker && filter) {
    // Searchable: typing keeps only the quick replies whose title or text has the words.
    filter.addEventListener("input", function () {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const option of picker.options) {
        if (!option.value) continue;
        const haystack = (option.textContent + " " + option.value).toLowerCase();
        option.hidden = !words.every((w) => haystack.includes(w));
      }
    });
  }
  if (picker) {
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      const snippet = picker.value.replaceAll("{number}", form.dataset.number);
      const at = text.selectionStart ?? text.value.length;
      text.value = text.value.slice(0, at) + snippet + text.value.slice(at);
      picker.value = "";
      text.focus();
      schedule();
    });
  }
  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  }
  async function save() {
    const data = new FormData();
    for (const name of ["csrfmiddlewaretoken", "to", "cc", "text"]) {
      data.append(name, form.elements[name].value);
    }
    try {
      const response = await fetch(form.dataset.draftUrl, { method: "POST", body: data, credentials: "same-origin" });
      if (response.ok) state.textContent = state.dataset.saved || "✓";
    } catch (error) {
      // Offline for a moment: the next keystroke tries again.
    }
  }
  form.addEventListener("input", schedule);
})();
