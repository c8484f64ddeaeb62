// The top bar's notifications: a counter and a short list that update by themselves.
(function () {
  const button = document.getElementById("notify");
  if (!button) return;
  const count = document.getElementById("notify-count");
  const list = document.getElementById("notify-list");
  const seconds = Math.max(1, parseInt(button.dataset.seconds, 10) || 20);

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(data) {
    count.textContent = data.count > 0 ? String(data.count) : "";
    count.hidden = data.count === 0;
    list.replaceChildren();
    for (const item of data.items) {
      const entry = document.createElement("li");
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.case + " · " + item.text;
      entry.appendChild(link);
      list.appendChild(entry);
    }
    if (!data.items.length) {
      const empty = document.createElement("li");
      empty.textContent = list.dataset.empty;
      list.appendChild(empty);
    }
  }

  // Activity since the last call brings back a presence that idleness set to away.
  let active = true;
  for (const name of ["keydown", "pointerdown", "pointermove", "scroll"]) {
    document.addEventListener(name, function () { active = true; }, { passive: true });
  }

  async function refresh() {
    const url = button.dataset.url + (active ? "?active=1" : "");
    active = false;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // Offline for a moment: the next round tries again.
    }
  }

  button.addEventListener("click", async function () {
    list.hidden = !list.hidden;
    button.setAttribute("aria-expanded", String(!list.hidden));
    if (list.hidden) return;
    await fetch(button.dataset.readUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() },
    });
    count.hidden = true;
  });

  refresh();
  setInterval(refresh, seconds * 1000);
})();
