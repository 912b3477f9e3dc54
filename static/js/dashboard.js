/* The dashboard's charts (数据看板), drawn by ECharts from our own static files.
 *
 * The numbers and every label come from the page's JSON (`dashboard-data`, written by
 * proposals/dashboard.py, already translated); nothing user-facing is written here. Each chart
 * repeats a table printed right under it, so the charts are hidden from screen readers and
 * stay hidden when ECharts cannot load.
 */
(function () {
  "use strict";

  var page = window.ChartPage && window.ChartPage.start("dashboard-data");
  if (!page) {
    return;
  }
  var data = page.data;
  var draw = page.draw;

  function percent(value) {
    return value === null ? "—" : value + "%";
  }

  var axisLabel = { interval: 0, hideOverlap: true };

  // Proposals by state: a bar for each state of the lifecycle.
  draw("chart-state", {
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.state.labels, axisLabel: Object.assign({ rotate: 30 }, axisLabel) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.state.series, type: "bar", data: data.state.values, label: { show: true, position: "top" } }],
  });

  // Proposals by category: a ring; categories without proposals are left out of it (not of the table).
  var slices = data.category.labels
    .map(function (name, i) {
      return { name: name, value: data.category.values[i] };
    })
    .filter(function (slice) {
      return slice.value > 0;
    });
  draw("chart-category", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    title: slices.length ? undefined : { text: data.noData, left: "center", top: "middle", textStyle: { fontSize: 14 } },
    series: [
      {
        name: data.category.series,
        type: "pie",
        radius: ["35%", "65%"],
        data: slices,
        label: { formatter: "{b}\n{c}" },
      },
    ],
  });

  // Each department's assignments, stacked: answered on time, answered late, not yet answered.
  // Horizontal bars, so long department names stay readable on a phone; the height follows the rows.
  var departments = data.department.labels;
  draw(
    "chart-department",
    {
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: departments, axisLabel: axisLabel },
      series: data.department.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "assignments", data: s.values };
      }),
    },
    Math.max(200, 32 * departments.length + 72)
  );

  // The two rates as gauges side by side; "—" when there is nothing to divide by.
  draw("chart-rates", {
    series: data.rates.map(function (rate, i) {
      return {
        name: rate.name,
        type: "gauge",
        center: [i === 0 ? "25%" : "75%", "60%"],
        radius: "70%",
        min: 0,
        max: 100,
        progress: { show: true },
        axisLabel: { show: false },
        splitLine: { show: false },
        axisTick: { show: false },
        pointer: { show: false },
        title: { offsetCenter: [0, "70%"], fontSize: 13 },
        detail: {
          offsetCenter: [0, "10%"],
          fontSize: 20,
          valueAnimation: true,
          formatter: function () {
            return percent(rate.value);
          },
        },
        data: [{ name: rate.name, value: rate.value === null ? 0 : rate.value }],
      };
    }),
  });
})();
