// The media jobs page, live: while a job shown is queued or running, poll the jobs API (the session cookie signs
// the request in) and update each row's state, progress, attempts and error in place, without reloading the page.
// Stops when nothing shown is active; waits longer after each failure. The state labels, rules and the API address
// come from the page (#jobs-live), so the words stay translated. Without JavaScript the page reloads itself.
"use strict";

(function () {
  var island = document.getElementById("jobs-live");
  if (!island) {
    return;
  }
  var live = JSON.parse(island.textContent);
  var table = document.querySelector("table.jobs");
  var note = document.querySelector(".live-note");
  var newJobs = document.querySelector(".new-jobs");
  var noteText = note ? note.textContent : "";
  var maxDelay = 30 * live.interval_ms;
  var delay = live.interval_ms;
  var waitingForTab = false;

  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("tr[data-job]"));
  }

  function active(row) {
    return live.cancellable.indexOf(row.dataset.state) >= 0;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + ": " + response.status);
      }
      return response.json();
    });
  }

  function showError(row, error) {
    var cell = row.querySelector(".job-error");
    var tail = cell.querySelector(".error-tail");
    if (!error) {
      if (tail) {
        tail.remove();
      }
      return;
    }
    if (!tail) {
      tail = document.createElement("pre");
      tail.className = "error-tail";
      cell.appendChild(tail);
    }
    tail.textContent = error;
  }

  function update(row, job) {
    var state = job.state;
    var label = row.querySelector(".job-state");
    var bar = row.querySelector("progress");
    row.dataset.state = state;
    row.className = "job job-" + state;
    label.className = "job-state state-" + state;
    label.textContent = live.labels[state] || state;
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    row.querySelector(".job-progress").textContent = job.progress + "%";
    row.querySelector(".job-attempts").textContent = job.attempts + " / " + job.max_attempts;
    showError(row, job.error);
    var cancel = row.querySelector("form.job-cancel");
    var retry = row.querySelector("form.job-retry");
    if (cancel) {
      cancel.hidden = live.cancellable.indexOf(state) < 0;
    }
    if (retry) {
      retry.hidden = live.retryable.indexOf(state) < 0;
    }
    var select = row.querySelector(".job-select"); // bulk cancel takes queued jobs only
    if (select) {
      select.hidden = state !== "queued";
      select.checked = select.checked && !select.hidden;
    }
  }

  // Update every row the list brought back; active rows that newer jobs pushed off this page of the list
  // are asked for one by one.
  function refresh(page, wanted) {
    var byId = {};
    page.items.forEach(function (job) {
      byId[job.id] = job;
    });
    var shown = rows();
    var newest = Math.max.apply(null, shown.map(function (row) { return Number(row.dataset.job); }));
    if (newJobs && page.items.some(function (job) { return job.id > newest; })) {
      newJobs.hidden = false;
    }
    shown.forEach(function (row) {
      if (byId[row.dataset.job]) {
        update(row, byId[row.dataset.job]);
      }
    });
    var missing = wanted.filter(function (row) { return !byId[row.dataset.job]; });
    return Promise.all(missing.map(function (row) {
      return getJSON(row.dataset.url).then(function (job) {
        update(row, job);
      });
    }));
  }

  function poll() {
    var wanted = rows().filter(active);
    if (wanted.length === 0) {
      if (note) {
        note.hidden = true;
      }
      return;
    }
    if (document.hidden) {
      waitingForTab = true; // a background tab asks nothing; it catches up when shown again
      return;
    }
    getJSON(live.poll).then(function (page) {
      return refresh(page, wanted);
    }).then(function () {
      delay = live.interval_ms;
      if (note) {
        note.textContent = noteText;
      }
    }, function () {
      delay = Math.min(2 * delay, maxDelay);
      if (note) {
        note.textContent = note.dataset.failed;
      }
    }).then(function () {
      window.setTimeout(poll, delay);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && waitingForTab) {
      waitingForTab = false;
      poll();
    }
  });
  window.setTimeout(poll, delay);
})();
