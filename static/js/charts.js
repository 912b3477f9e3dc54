/* What every page of charts does the same way (数据看板 and its tabs): read the page's JSON,
 * draw ECharts charts from our own static files in SVG with the page's locale, and resize
 * them with the window. Each page's own script says which charts to draw.
 *
 * ChartPage.start(id) returns null when the page has no such JSON or ECharts did not load
 * (the charts then stay hidden; every chart repeats a table printed under it).
 */
window.ChartPage = (function () {
  "use strict";

  function start(sourceId) {
    var source = document.getElementById(sourceId);
    if (!source || typeof window.echarts === "undefined") {
      return null;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];

    function draw(id, option, height) {
      var el = document.getElementById(id);
      if (!el) {
        return;
      }
      if (height) {
        el.style.height = height + "px";
      }
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "svg", locale: data.locale });
      chart.setOption(option);
      charts.push(chart);
    }

    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });

    return { data: data, draw: draw };
  }

  return { start: start };
})();
