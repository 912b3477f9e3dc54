/* The welfare figures' charts (福利年度统计, the dashboard's welfare tab), drawn by ECharts
 * from our own static files, in the look of static/js/dashboard.js.
 *
 * The numbers and every label come from the page's JSON (`welfare-figures-data`, written by
 * welfare/figure_views.py, already translated); nothing user-facing is written here. Each
 * chart repeats a table printed right under it, so the charts are hidden from screen readers
 * and stay hidden when ECharts cannot load.
 */
(function () {
  "use strict";

  var page = window.ChartPage && window.ChartPage.start("welfare-figures-data");
  if (!page) {
    return;
  }
  var data = page.data;
  var draw = page.draw;

  var axisLabel = { interval: 0, hideOverlap: true };

  // Requests by kind: filed, approved and not approved side by side.
  draw("chart-kind", {
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: data.kind.labels, axisLabel: axisLabel },
    yAxis: { type: "value", minInterval: 1 },
    series: data.kind.series.map(function (s) {
      return { name: s.name, type: "bar", data: s.values };
    }),
  });

  // The sums approved by unit: horizontal bars, so long unit names stay readable on a phone.
  var units = data.unit.labels;
  draw(
    "chart-unit",
    {
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      title: units.length ? undefined : { text: data.noData, left: "center", top: "middle", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: units, axisLabel: axisLabel },
      series: [{ name: data.unit.series, type: "bar", data: data.unit.values, label: { show: true, position: "right" } }],
    },
    Math.max(200, 32 * units.length + 56)
  );

})();
