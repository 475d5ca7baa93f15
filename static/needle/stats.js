// Bar chart of units by type on the organization figures page.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-type");
  var data = JSON.parse(document.getElementById("by-type").textContent);
  if (!el || !window.echarts) return;
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 10, right: 20, top: 10, bottom: 20, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.map(function (r) { return r.label; }), inverse: true },
    series: [{ type: "bar", data: data.map(function (r) { return r.count; }), itemStyle: { color: "#b3261e" } }],
    tooltip: {}
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
