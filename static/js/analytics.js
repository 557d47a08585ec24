// Analytics charts: uPlot (static/vendor/uPlot.iife.min.js) draws the daily figures the page
// carries as JSON (#analytics-chart-data): Overview's activity and revenue, Customer service's
// sessions and first response times. The page reads fine without this file: the funnel,
// the tables and "Daily figures" hold every number the charts show.
(function () {
  "use strict";

  var source = document.getElementById("analytics-chart-data");
  if (!source || typeof window.uPlot === "undefined") return;
  var data = JSON.parse(source.textContent);
  // Days are calendar days in the workspace's time zone: plot them at UTC midnight and read
  // them back in UTC, so the browser's own zone never shifts a bar to the next day.
  var xs = data.days.map(function (day) { return Date.parse(day + "T00:00:00Z") / 1000; });
  var colors = { comments: "#175cd3", dms: "#d61f55", orders: "#067647", revenue: "#5925dc" };
  var charts = [];

  function numbers(values) {
    return values.map(function (v) { return parseFloat(v); });
  }

  function dayLabel(ts) {
    return new Date(ts * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function options(el, series, axes) {
    axes[0] = { values: function (u, splits) { return splits.map(dayLabel); } };
    return {
      width: Math.max(el.clientWidth, 240),
      height: el.clientWidth < 480 ? 200 : 240,
      tzDate: function (ts) { return window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true } },
      series: [{ label: "Day", value: function (u, ts) { return ts == null ? "–" : dayLabel(ts); } }].concat(series),
      axes: axes,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
    };
  }

  function line(label, color, scale) {
    return { label: label, stroke: color, width: 2, scale: scale || "n", points: { size: 5, fill: color } };
  }

  function countAxis() {
    return { scale: "n", size: 44, values: function (u, splits) {
      return splits.map(function (v) { return Number.isInteger(v) ? v.toLocaleString() : ""; });
    } };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var chart;
    if (el.dataset.chart === "activity") {
      chart = new window.uPlot(
        options(el, [
          line("Comments", colors.comments),
          line("DMs delivered", colors.dms),
          line("Orders", colors.orders),
        ], [{}, countAxis()]),
        [xs, data.comments, data.dms, data.orders],
        el
      );
    } else if (el.dataset.chart === "sessions") {
      // Analytics → Customer service: sessions begun each day.
      chart = new window.uPlot(
        options(el, [line("Sessions", colors.comments)], [{}, countAxis()]),
        [xs, data.sessions],
        el
      );
    } else if (el.dataset.chart === "first-response") {
      // The day's median first response in minutes; a day nothing was answered is a gap.
      chart = new window.uPlot(
        options(el, [line("First response, median (min)", colors.dms, "min")], [
          {},
          { scale: "min", size: 52, values: function (u, splits) {
            return splits.map(function (v) { return v.toLocaleString(); });
          } },
        ]),
        [xs, data.first_median_minutes],
        el
      );
    } else {
      var currency = el.dataset.currency;
      chart = new window.uPlot(
        options(el, [line("Revenue (" + currency + ")", colors.revenue, "money")], [
          {},
          { scale: "money", size: 64, values: function (u, splits) {
            return splits.map(function (v) { return v.toLocaleString(); });
          } },
        ]),
        [xs, numbers(data.revenue[currency] || [])],
        el
      );
    }
    charts.push({ el: el, chart: chart });
  });
  if (charts.length) document.body.classList.add("analytics-charts-drawn");

  // Readable on a phone: the charts follow their card's width.
  if ("ResizeObserver" in window) {
    var observer = new ResizeObserver(function () {
      charts.forEach(function (c) {
        var width = Math.max(c.el.clientWidth, 240);
        if (Math.abs(width - c.chart.width) > 1) {
          c.chart.setSize({ width: width, height: width < 480 ? 200 : 240 });
        }
      });
    });
    charts.forEach(function (c) { observer.observe(c.el); });
  }
})();
