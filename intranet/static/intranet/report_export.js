// Background export: polls the export's progress and offers the download when it is ready.
(function () {
  const box = document.getElementById("export-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const status = box.querySelector(".status");
  const link = box.querySelector("a.download");
  async function poll() {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (!response.ok) { status.textContent = response.statusText; return; }
    const state = await response.json();
    bar.max = Math.max(state.total, 1);
    bar.value = state.done;
    status.textContent = state.label + " · " + state.done + " / " + state.total;
    if (state.download) { link.href = state.download; link.hidden = false; return; }
    if (state.status !== "failed") setTimeout(poll, 1000);
  }
  poll();
})();
