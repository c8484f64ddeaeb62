// The live board: its figures are fetched again every few seconds and swapped in place,
// without reloading the page (and without inline script, for the Content-Security-Policy).
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const every = parseInt(board.dataset.refresh, 10) || 5000;
  let busy = false;
  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(board.dataset.url, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      if (response.ok) {
        board.innerHTML = await response.text();
        board.classList.remove("stale");
      } else {
        board.classList.add("stale");
      }
    } catch (error) {
      board.classList.add("stale"); // offline for a moment: the next round tries again
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
  });
})();
