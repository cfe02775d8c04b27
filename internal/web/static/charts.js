// Shiliu's charts: each [data-chart] element holds its data as JSON
// (categories, series with a link per bar). Drawn with ECharts' SVG
// renderer so that they print crisply; a bar opens the records it counts.
// The table beside each chart holds the same numbers without script.
(function () {
  if (!window.echarts) return;
  const palette = ["#b3261e", "#2e6b4f", "#c58b2a", "#3d5a98", "#7a4e8c", "#5b7f8f"];
  const charts = [];
  document.querySelectorAll("[data-chart]").forEach((el) => {
    let d;
    try {
      d = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      return;
    }
    const rows = d.categories.length;
    if (d.horizontal) el.style.height = Math.max(220, rows * (d.series.length > 1 ? 34 : 26) + 70) + "px";
    const chart = echarts.init(el, null, { renderer: "svg", locale: "ZH" });
    const cat = { type: "category", data: d.categories, axisLabel: { interval: 0, width: 96, overflow: "truncate" }, inverse: !!d.horizontal };
    const val = { type: "value", minInterval: 1 };
    chart.setOption({
      animation: false,
      color: palette,
      grid: { left: 8, right: 24, top: d.series.length > 1 ? 36 : 16, bottom: 8, containLabel: true },
      legend: d.series.length > 1 ? { top: 0 } : undefined,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: d.horizontal ? val : cat,
      yAxis: d.horizontal ? cat : val,
      series: d.series.map((s) => ({
        name: s.name,
        type: "bar",
        data: s.data.map((v, i) => ({ value: v, link: s.links ? s.links[i] : "" })),
        barMaxWidth: 28,
        label: { show: rows <= 16, position: d.horizontal ? "right" : "top" },
        cursor: "pointer",
      })),
    });
    chart.on("click", (p) => {
      if (p.data && p.data.link) window.location.href = p.data.link;
    });
    charts.push(chart);
  });
  let t;
  window.addEventListener("resize", () => {
    clearTimeout(t);
    t = setTimeout(() => charts.forEach((c) => c.resize()), 150);
  });
  window.addEventListener("beforeprint", () => charts.forEach((c) => c.resize()));
})();
