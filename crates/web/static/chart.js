// Interactive measure chart of Relais: turns the data the chart page embeds in
// <script type="application/json" id="chart-data"> into a uPlot chart.
//
// The server-drawn SVG stays in the page: it is what prints and what a browser
// without JavaScript shows. It is hidden on screen only once uPlot has drawn,
// so a failure here leaves the SVG in place.
//
// Nothing here knows the kinds of measure: labels, unit, series and alert
// bounds all come from the data, so a new kind needs no change in this file.

(function () {
  'use strict';

  var dataElement = document.getElementById('chart-data');
  var host = document.getElementById('chart-live');
  if (!dataElement || !host || typeof window.uPlot !== 'function') return;

  var data;
  try {
    data = JSON.parse(dataElement.textContent);
  } catch (e) {
    // The SVG is still there: the page stays usable.
    return;
  }
  if (!data || !Array.isArray(data.times) || data.times.length === 0) return;

  var figure = host.parentElement;
  var HOUR = 3600 * 1000;
  var DAY = 24 * HOUR;

  // ---------- French formats, in the time zone the server writes dates in ----------

  function dateFormat(options) {
    if (data.time_zone) options.timeZone = data.time_zone;
    return new Intl.DateTimeFormat('fr-FR', options);
  }
  var dayMonth = dateFormat({ day: '2-digit', month: '2-digit' });
  var dayMonthYear = dateFormat({ day: '2-digit', month: '2-digit', year: '2-digit' });
  var hourMinute = dateFormat({ hour: '2-digit', minute: '2-digit' });
  var fullDate = dateFormat({ day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  var number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });

  function withUnit(value) {
    return data.unit ? number.format(value) + ' ' + data.unit : number.format(value);
  }

  // Tick labels follow the zoom: the year matters over long periods, the hour
  // once a few days fill the width.
  function timeTicks(u, splits) {
    var span = u.scales.x.max - u.scales.x.min;
    return splits.map(function (t) {
      if (span <= 3 * DAY) return hourMinute.format(t) + '\n' + dayMonth.format(t);
      if (span > 200 * DAY) return dayMonthYear.format(t);
      return dayMonth.format(t);
    });
  }

  // ---------- colours from the stylesheet, so both charts look alike ----------

  var rootStyle = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    return rootStyle.getPropertyValue(name).trim() || fallback;
  }
  var ink = cssColour('--muted', '#4a5560');
  var seriesColours = [cssColour('--accent', '#0b5cad'), '#b3261e'];
  var boundColour = cssColour('--warn', '#7a4b00');
  var gridColour = '#e3e7eb';

  // ---------- the period: what "reset" returns to ----------

  // A measure dated after the page's "now" or before its period still shows.
  var home = {
    min: Math.min(data.from, data.times[0]),
    max: Math.max(data.to, data.times[data.times.length - 1]),
  };
  // Padding keeps a single point, or a flat series, off the frame.
  function valueRange(u, min, max) {
    data.bounds.forEach(function (b) {
      min = min == null ? b.value : Math.min(min, b.value);
      max = max == null ? b.value : Math.max(max, b.value);
    });
    if (min == null || max == null) return [0, 1];
    return window.uPlot.rangeNum(min, max, 0.1, true);
  }

  // ---------- alert bounds as dashed lines across the whole plot ----------

  // Drawn in a hook rather than as series so that the lines run from edge to
  // edge at any zoom, even where no measure was taken.
  function drawBounds(u) {
    if (data.bounds.length === 0) return;
    var ctx = u.ctx;
    var left = u.bbox.left;
    var right = u.bbox.left + u.bbox.width;
    var pxRatio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = boundColour;
    ctx.lineWidth = 1.5 * pxRatio;
    ctx.setLineDash([8 * pxRatio, 6 * pxRatio]);
    var fontPx = Math.round(13 * pxRatio);
    ctx.font = fontPx + 'px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    data.bounds.forEach(function (b) {
      var y = Math.round(u.valToPos(b.value, 'y', true));
      if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      // The label sits just above its line, on white so that grid and curves do not cross it.
      var text = b.label + ' ' + withUnit(b.value);
      var textRight = right - 4 * pxRatio;
      var textBottom = y - 3 * pxRatio;
      var width = ctx.measureText(text).width;
      ctx.fillStyle = '#fff';
      ctx.fillRect(textRight - width - 2 * pxRatio, textBottom - fontPx - pxRatio, width + 4 * pxRatio, fontPx + pxRatio);
      ctx.fillStyle = boundColour;
      ctx.fillText(text, textRight, textBottom);
    });
    ctx.restore();
  }

  // ---------- size: the width of the figure, a height a tablet can read ----------

  function chartSize() {
    var style = getComputedStyle(figure);
    var width = figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    width = Math.max(200, Math.floor(width));
    return { width: width, height: Math.round(Math.min(420, Math.max(220, width * 0.5))) };
  }

  // ---------- the zoom ----------

  var resetButton = document.createElement('button');
  resetButton.type = 'button';
  resetButton.className = 'secondary chart-reset';
  resetButton.textContent = 'Revenir à toute la période';
  resetButton.hidden = true;

  var plot;
  function resetZoom() {
    plot.setScale('x', { min: home.min, max: home.max });
  }
  function zoomed(u) {
    // One millisecond of slack: the scale comes back as floats.
    return u.scales.x.min > home.min + 1 || u.scales.x.max < home.max - 1;
  }

  var size = chartSize();
  var opts = {
    width: size.width,
    height: size.height,
    ms: 1,
    tzDate: data.time_zone
      ? function (ts) {
          return window.uPlot.tzDate(new Date(ts), data.time_zone);
        }
      : undefined,
    scales: {
      x: { time: true },
      y: { range: valueRange },
    },
    axes: [
      {
        stroke: ink,
        grid: { stroke: gridColour, width: 1 },
        ticks: { stroke: gridColour, width: 1 },
        font: '13px system-ui, sans-serif',
        size: 56,
        space: 80,
        values: timeTicks,
      },
      {
        stroke: ink,
        grid: { stroke: gridColour, width: 1 },
        ticks: { stroke: gridColour, width: 1 },
        font: '13px system-ui, sans-serif',
        label: data.unit || undefined,
        labelFont: '13px system-ui, sans-serif',
        size: 64,
        values: function (u, splits) {
          return splits.map(function (v) {
            return number.format(v);
          });
        },
      },
    ],
    series: [
      {
        label: 'Date',
        value: function (u, t) {
          return t == null ? '—' : fullDate.format(t);
        },
      },
    ].concat(
      data.series.map(function (s, i) {
        return {
          label: s.label,
          stroke: seriesColours[i % seriesColours.length],
          width: 2,
          spanGaps: true,
          points: { size: 8, fill: seriesColours[i % seriesColours.length] },
          value: function (u, v) {
            return v == null ? '—' : withUnit(v);
          },
        };
      }),
    ),
    cursor: {
      // A click that moves a few pixels is not a zoom.
      drag: { x: true, y: false, dist: 10 },
      points: { size: 12 },
      bind: {
        dblclick: function () {
          return function () {
            resetZoom();
            return null;
          };
        },
      },
    },
    legend: { live: true },
    hooks: {
      draw: [drawBounds],
      setScale: [
        function (u, key) {
          if (key === 'x') resetButton.hidden = !zoomed(u);
        },
      ],
    },
  };

  var columns = [data.times].concat(
    data.series.map(function (s) {
      return s.values;
    }),
  );
  try {
    plot = new window.uPlot(opts, columns, host);
    // uPlot fits the x axis to the data; the chart shows the chosen period, as the SVG does.
    // (A range function would also undo every zoom: uPlot passes explicit scales through it.)
    resetZoom();
  } catch (e) {
    // Leave the SVG as the chart.
    host.textContent = '';
    return;
  }

  // ---------- touch: uPlot listens to the mouse only ----------

  // A horizontal swipe selects a period and zooms on it, as a mouse drag does;
  // a tap shows the nearest measure in the legend; a double tap comes back to
  // the whole period. Vertical swipes still scroll the page (touch-action: pan-y).
  var over = plot.over;
  var touch = null;
  var lastTap = { at: 0, x: -1000 };
  function overX(e) {
    return e.clientX - over.getBoundingClientRect().left;
  }
  function overY(e) {
    return e.clientY - over.getBoundingClientRect().top;
  }
  over.addEventListener('pointerdown', function (e) {
    if (e.pointerType !== 'touch') return;
    touch = { x: overX(e), moved: false };
  });
  over.addEventListener('pointermove', function (e) {
    if (!touch || e.pointerType !== 'touch') return;
    var x = Math.max(0, Math.min(over.clientWidth, overX(e)));
    if (Math.abs(x - touch.x) > 10) touch.moved = true;
    plot.setCursor({ left: x, top: overY(e) });
    if (touch.moved) {
      plot.setSelect(
        { left: Math.min(x, touch.x), width: Math.abs(x - touch.x), top: 0, height: over.clientHeight },
        false,
      );
    }
  });
  over.addEventListener('pointerup', function (e) {
    if (!touch || e.pointerType !== 'touch') return;
    var x = Math.max(0, Math.min(over.clientWidth, overX(e)));
    var start = touch;
    touch = null;
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    if (start.moved) {
      var a = plot.posToVal(Math.min(x, start.x), 'x');
      var b = plot.posToVal(Math.max(x, start.x), 'x');
      if (b > a) plot.setScale('x', { min: a, max: b });
      return;
    }
    var now = Date.now();
    if (now - lastTap.at < 400 && Math.abs(x - lastTap.x) < 40) {
      lastTap = { at: 0, x: -1000 };
      resetZoom();
    } else {
      lastTap = { at: now, x: x };
      plot.setCursor({ left: x, top: overY(e) });
    }
  });
  over.addEventListener('pointercancel', function () {
    touch = null;
    plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
  });

  // ---------- follow the width of the page (rotation of a tablet, window resize) ----------

  if (typeof ResizeObserver === 'function') {
    var pending = 0;
    new ResizeObserver(function () {
      // One resize per frame, however many notifications arrive.
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () {
        var s = chartSize();
        if (s.width !== plot.width || s.height !== plot.height) plot.setSize(s);
      });
    }).observe(figure);
  }

  resetButton.addEventListener('click', resetZoom);
  var help = document.createElement('p');
  help.className = 'muted chart-help';
  help.textContent =
    'Touchez ou survolez la courbe pour lire une mesure ; glissez horizontalement pour agrandir une période, ' +
    'touchez deux fois ou double-cliquez pour revenir à toute la période.';
  host.appendChild(help);
  host.appendChild(resetButton);

  // Only now that the chart exists does it replace the SVG on screen.
  host.hidden = false;
  figure.classList.add('chart-ready');
})();
