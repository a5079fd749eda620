/**
 * The trace viewer's browser code, inlined into every HTML report (no server, no network).
 * Plain ES2017 in a string: it runs in the browser, never in Node, and must not be touched by
 * the TypeScript toolchain's helpers.
 *
 * Each `.trace-viewer` element names the JSON script holding its rows
 * (`[step, time, thread, kind, subject, fields, category, job, lock]`) and the thread names.
 * Filters: thread, job, lock, category, free text; "jump to step" scrolls to the first shown row
 * at or after a step and marks it. The URL hash (`#thread=job1&lock=node/n1&step=12`) sets the
 * filters of the first viewer on load, so a report link can point at a moment of the trace.
 * Clicking anything carrying `data-step` (swimlane marks) jumps its section's viewer there.
 */
export const VIEWER_SCRIPT = `
(function () {
  'use strict';
  var MAX_ROWS = 2000;
  function fmtTime(us) {
    var s = Math.floor(us / 1000000);
    var rest = String(us % 1000000);
    while (rest.length < 6) rest = '0' + rest;
    return s + '.' + rest;
  }
  function option(select, value, text) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }
  function initViewer(root) {
    var data = JSON.parse(document.getElementById(root.getAttribute('data-trace')).textContent);
    var rows = data.rows;
    var names = data.threads;
    var q = function (sel) { return root.querySelector(sel); };
    var fThread = q('.f-thread'), fJob = q('.f-job'), fLock = q('.f-lock'), fCat = q('.f-category');
    var fText = q('.f-text'), fStep = q('.f-step'), body = q('tbody'), count = q('.count');
    var seen = { thread: {}, job: {}, lock: {} };
    var threads = [], jobs = [], locks = [];
    rows.forEach(function (r) {
      var t = names[r[2]] || ('t' + r[2]);
      if (!seen.thread[t]) { seen.thread[t] = 1; threads.push(t); }
      if (r[7] && !seen.job[r[7]]) { seen.job[r[7]] = 1; jobs.push(r[7]); }
      if (r[8] && !seen.lock[r[8]]) { seen.lock[r[8]] = 1; locks.push(r[8]); }
    });
    var byNumber = function (a, b) { return a.localeCompare(b, 'en', { numeric: true }); };
    threads.sort(byNumber).forEach(function (t) { option(fThread, t, t); });
    jobs.sort(byNumber).forEach(function (j) { option(fJob, j, j); });
    locks.sort(byNumber).forEach(function (l) { option(fLock, l, l); });
    var jumpTo = null;
    function matches(r) {
      var t = names[r[2]] || ('t' + r[2]);
      if (fThread.value && t !== fThread.value) return false;
      if (fJob.value && r[7] !== fJob.value) return false;
      if (fLock.value && r[8] !== fLock.value) return false;
      if (fCat.value && r[6] !== fCat.value) return false;
      var text = fText.value.trim().toLowerCase();
      if (text && (r[3] + ' ' + r[4] + ' ' + r[5] + ' ' + t).toLowerCase().indexOf(text) < 0) return false;
      return true;
    }
    function render() {
      var shown = [];
      for (var i = 0; i < rows.length; i++) if (matches(rows[i])) shown.push(rows[i]);
      var start = 0, target = -1;
      if (jumpTo !== null) {
        for (var k = 0; k < shown.length; k++) if (shown[k][0] >= jumpTo) { target = k; break; }
        if (target >= 0) start = Math.max(0, target - 20);
      }
      var end = Math.min(shown.length, start + MAX_ROWS);
      body.textContent = '';
      var current = null;
      for (var j = start; j < end; j++) {
        var r = shown[j];
        var tr = document.createElement('tr');
        tr.className = 'cat-' + r[6];
        tr.setAttribute('data-step', String(r[0]));
        [String(r[0]), fmtTime(r[1]), names[r[2]] || ('t' + r[2]), r[3], r[4], r[5]].forEach(function (c) {
          var td = document.createElement('td');
          td.textContent = c;
          tr.appendChild(td);
        });
        if (j === target) { tr.classList.add('current'); current = tr; }
        body.appendChild(tr);
      }
      count.textContent = 'showing ' + (end - start) + ' of ' + shown.length + ' matching records (' + rows.length + ' in the trace)' +
        (end - start < shown.length ? '; narrow the filters or jump to a step to see the others' : '');
      root.setAttribute('data-shown', String(shown.length));
      if (current) {
        current.scrollIntoView({ block: 'center' });
        root.setAttribute('data-current-step', current.getAttribute('data-step'));
      } else {
        root.removeAttribute('data-current-step');
      }
    }
    [fThread, fJob, fLock, fCat].forEach(function (el) { el.addEventListener('change', render); });
    fText.addEventListener('input', render);
    q('.f-jump').addEventListener('click', function () {
      jumpTo = fStep.value === '' ? null : Number(fStep.value);
      render();
    });
    fStep.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); q('.f-jump').click(); } });
    q('.f-clear').addEventListener('click', function () {
      fThread.value = fJob.value = fLock.value = fCat.value = fText.value = fStep.value = '';
      jumpTo = null;
      render();
    });
    root.jump = function (step) { fStep.value = String(step); jumpTo = step; render(); };
    root.applyHash = function (params) {
      if (params.thread !== undefined) fThread.value = params.thread;
      if (params.job !== undefined) fJob.value = params.job;
      if (params.lock !== undefined) fLock.value = params.lock;
      if (params.category !== undefined) fCat.value = params.category;
      if (params.text !== undefined) fText.value = params.text;
      if (params.step !== undefined && params.step !== '') { fStep.value = params.step; jumpTo = Number(params.step); }
      render();
    };
    render();
  }
  function hashParams() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf('=');
      if (i > 0) out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }
  var viewers = Array.prototype.slice.call(document.querySelectorAll('.trace-viewer'));
  viewers.forEach(initViewer);
  document.addEventListener('click', function (e) {
    var el = e.target && e.target.closest ? e.target.closest('[data-step]') : null;
    if (!el || el.tagName === 'TR') return;
    var section = el.closest('section');
    var viewer = section ? section.querySelector('.trace-viewer') : null;
    if (viewer && viewer.jump) viewer.jump(Number(el.getAttribute('data-step')));
  });
  function fromHash() {
    var p = hashParams();
    if (viewers[0] && Object.keys(p).length > 0) viewers[0].applyHash(p);
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
  document.body.setAttribute('data-ready', 'true');
})();
`;
