// Report page: draws the charts from the data the server wrote in #report-data (no inline script).
(function () {
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const names = data.names;
  const teal = "#007d7e", violet = "#6b6bd6", red = "#b4191c", amber = "#e0a800", grey = "#8a8a8a";
  const lang = document.documentElement.lang || "en";
  const dayFormat = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  const label = (iso) => dayFormat.format(new Date(iso + "T12:00:00"));
  Chart.defaults.animation = false; // drawn at once: for print and for a quick glance
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  // A chart with nothing to show says so instead of drawing empty axes.
  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    const values = config.data.datasets.flatMap((set) => set.data);
    if (!values.some((value) => value)) {
      const note = document.createElement("p");
      note.className = "muted chart-empty";
      note.textContent = names.empty;
      canvas.replaceWith(note);
      return;
    }
    new Chart(canvas, config);
  }

  const trend = data.trend;
  draw("chart-trend", {
    type: "line",
    data: {
      labels: trend.labels.map(label),
      datasets: [
        { label: names.received, data: trend.series.received, borderColor: teal, backgroundColor: teal, tension: 0.2, pointRadius: 2 },
        { label: names.closed, data: trend.series.closed, borderColor: violet, backgroundColor: violet, tension: 0.2, pointRadius: 2 },
        { label: names.worked, data: trend.series.worked, borderColor: amber, backgroundColor: amber, borderDash: [4, 3], tension: 0.2, pointRadius: 2 },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: "bottom" } } },
  });

  draw("chart-share", {
    type: "doughnut",
    data: {
      labels: [names.on_time, names.late],
      datasets: [{ data: [data.share.on_time, data.share.late], backgroundColor: [teal, red] }],
    },
    options: { plugins: { legend: { position: "bottom" } } },
  });

  const people = data.operators;
  draw("chart-operators", {
    type: "bar",
    data: {
      labels: people.labels,
      datasets: [
        { label: names.on_time, data: people.on_time, backgroundColor: teal },
        { label: names.late, data: people.late, backgroundColor: red },
      ],
    },
    options: {
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      plugins: { legend: { position: "bottom" } },
    },
  });

  draw("chart-backlog", {
    type: "line",
    data: {
      labels: data.backlog.labels.map(label),
      datasets: [{ label: names.backlog, data: data.backlog.values, borderColor: grey, backgroundColor: "rgba(138,138,138,.15)", fill: true, pointRadius: 0, tension: 0.2 }],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });

  // Charts drawn for the screen are resized to the paper before printing.
  window.addEventListener("beforeprint", () => {
    for (const id in Chart.instances) Chart.instances[id].resize();
  });
})();
