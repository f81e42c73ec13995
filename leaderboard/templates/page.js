// dcbench leaderboard page: sortable tables and the two plots per board (Apache ECharts, bundled).
// Plain browser script, no build step; the data comes from the JSON block the publisher embeds.
;(function () {
  'use strict'

  // Sorting: a click on a header button sorts the rows by that column; a second click reverses.
  function cellValue(row, index, numeric) {
    var cell = row.cells[index]
    var raw = cell.getAttribute('data-value')
    if (raw === null) raw = cell.textContent.trim()
    if (!numeric) return raw.toLowerCase()
    var n = parseFloat(raw)
    return isNaN(n) ? -Infinity : n
  }

  function sortTable(table, th) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells)
    var index = headers.indexOf(th)
    var numeric = th.getAttribute('data-type') === 'number'
    var current = th.getAttribute('aria-sort')
    // Numbers start high-to-low (scores), text starts A-Z.
    var direction = current === 'descending' ? 'ascending' : current === 'ascending' ? 'descending' : numeric ? 'descending' : 'ascending'
    var sign = direction === 'ascending' ? 1 : -1
    var body = table.tBodies[0]
    var rows = Array.prototype.slice.call(body.rows)
    var keyed = rows.map(function (row, i) {
      return {row: row, key: cellValue(row, index, numeric), i: i}
    })
    keyed.sort(function (a, b) {
      if (a.key < b.key) return -sign
      if (a.key > b.key) return sign
      return a.i - b.i
    })
    var fragment = document.createDocumentFragment()
    keyed.forEach(function (k) {
      fragment.appendChild(k.row)
    })
    body.appendChild(fragment)
    headers.forEach(function (h) {
      h.setAttribute('aria-sort', h === th ? direction : 'none')
    })
  }

  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector('button')
      if (button) {
        button.addEventListener('click', function () {
          sortTable(table, th)
        })
      }
    })
  })

  // Tooltips are HTML: every string from the data (entry methods, task names, labels) is escaped.
  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]
    })
  }

  // Plots.
  var echarts = window.echarts
  var dataElement = document.getElementById('board-data')
  if (!echarts || !dataElement) return
  var data = JSON.parse(dataElement.textContent)
  var charts = []

  data.boards.forEach(function (board) {
    var scatterElement = document.getElementById('scatter-' + board.id)
    var heatmapElement = document.getElementById('heatmap-' + board.id)
    if (scatterElement) charts.push(scatterChart(scatterElement, board))
    if (heatmapElement) charts.push(heatmapChart(heatmapElement, board))
  })
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) {
      chart.resize()
    })
  })
  document.body.setAttribute('data-charts-ready', String(charts.length))

  function scatterChart(element, board) {
    var chart = echarts.init(element, null, {renderer: 'svg'})
    var statuses = ['verified', 'self-reported']
    var colors = {verified: '#1b7f3b', 'self-reported': '#c48f00'}
    var positive = board.points.every(function (p) {
      return p[0] > 0
    })
    chart.setOption({
      animation: false,
      title: {text: board.headline_label + ' vs dataset size', left: 'center', textStyle: {fontSize: 13}},
      legend: {bottom: 0, data: statuses},
      grid: {left: 56, right: 20, top: 40, bottom: 60},
      tooltip: {
        trigger: 'item',
        formatter: function (p) {
          return escapeHtml(p.data[2]) + '<br>' + escapeHtml(board.size_label) + ': ' + escapeHtml(p.data[0].toLocaleString()) + '<br>' + escapeHtml(board.headline_label) + ': ' + escapeHtml(p.data[1].toFixed(4))
        },
      },
      xAxis: {type: positive ? 'log' : 'value', name: board.size_label, nameLocation: 'middle', nameGap: 28, scale: true},
      yAxis: {type: 'value', name: board.headline_label, scale: true},
      series: statuses.map(function (status) {
        return {
          name: status,
          type: 'scatter',
          symbolSize: 9,
          itemStyle: {color: colors[status]},
          data: board.points.filter(function (p) {
            return p[3] === status
          }),
        }
      }),
    })
    return chart
  }

  function heatmapChart(element, board) {
    var chart = echarts.init(element, null, {renderer: 'svg'})
    var values = []
    board.heatmap.rows.forEach(function (row, y) {
      row.scores.forEach(function (score, x) {
        values.push([x, y, score])
      })
    })
    chart.setOption({
      animation: false,
      title: {text: 'Per-task scores, top ' + board.heatmap.rows.length, left: 'center', textStyle: {fontSize: 13}},
      tooltip: {
        formatter: function (p) {
          var score = typeof p.data[2] === 'number' ? p.data[2].toFixed(4) : '—'
          return escapeHtml(board.heatmap.rows[p.data[1]].label) + '<br>' + escapeHtml(board.heatmap.tasks[p.data[0]]) + ': ' + escapeHtml(score)
        },
      },
      grid: {left: 150, right: 20, top: 36, bottom: 120},
      xAxis: {type: 'category', data: board.heatmap.tasks, axisLabel: {rotate: 60, fontSize: 10, interval: 0}},
      yAxis: {
        type: 'category',
        inverse: true,
        data: board.heatmap.rows.map(function (r) {
          return r.label
        }),
        axisLabel: {fontSize: 11, width: 140, overflow: 'truncate'},
      },
      visualMap: {min: 0, max: 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: {color: ['#f7fbff', '#6baed6', '#08306b']}},
      series: [{type: 'heatmap', data: values, emphasis: {itemStyle: {borderColor: '#333', borderWidth: 1}}}],
    })
    return chart
  }
})()
