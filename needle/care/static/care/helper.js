// The helper's page (/care/helper/): visits are saved on the phone first (IndexedDB, each with
// an id made here), then sent in one request (POST .../visits/sync) whenever the network is
// there, so a visit logged without a network is never lost and one sent twice is stored once.
// A visit changed on the server meanwhile comes back as a conflict: both values of each field
// are shown, the helper chooses, and the choice is posted (.../visits/<id>/resolve).
// The words shown come translated from the page (#care-helper-strings).
(function () {
  "use strict";

  var root = document.getElementById("care-helper");
  if (!root) return;
  var S = JSON.parse(document.getElementById("care-helper-strings").textContent);
  var VISITS = root.dataset.visitsUrl;
  // One store per account: a phone shared by two helpers keeps each one's visits apart.
  var DB = "needle-care-" + root.dataset.user, STORE = "visits";
  // Sent visits stay listed for a while, then leave the phone.
  var KEEP_SENT_MS = 3 * 24 * 3600 * 1000;
  var MAX_BATCH = 500;
  var syncing = false;

  var form = document.getElementById("visit-form");
  var queueList = document.getElementById("queue");
  var queueEmpty = document.getElementById("queue-empty");
  var netState = document.getElementById("net-state");
  var formError = document.getElementById("visit-form-error");

  if ("serviceWorker" in navigator && root.dataset.swUrl) {
    navigator.serviceWorker.register(root.dataset.swUrl).catch(function () {});
  }

  // IndexedDB --------------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(DB, 1);
        open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "id" }); };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function put(rec) { return tx("readwrite", function (s) { return s.put(rec); }); }
  function removeOld() {
    var limit = Date.now() - KEEP_SENT_MS;
    return all().then(function (recs) {
      return tx("readwrite", function (s) {
        recs.forEach(function (r) { if (r.state === "sent" && r.savedAt < limit) s.delete(r.id); });
      });
    });
  }

  // Ids and the CSRF token -------------------------------------------------------------------
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Pages served over plain HTTP (not a secure context) have no randomUUID: a version 4 UUID.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrf() {
    // The cookie's token holds even when the page itself came from the offline copy.
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    });
  }

  // The form ---------------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localNow() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function households() {
    var out = {};
    root.querySelectorAll("li.household").forEach(function (li) {
      out[li.dataset.recipient] = { name: li.dataset.name, topics: li.dataset.topics.split(" ") };
    });
    return out;
  }
  var HOMES = households();

  function showTopics() {
    var chosen = HOMES[form.recipient.value];
    document.getElementById("checklist-hint").hidden = !!chosen;
    form.querySelectorAll(".check").forEach(function (row) {
      row.hidden = !chosen || chosen.topics.indexOf(row.dataset.topic) === -1;
    });
  }
  function resetForm() {
    var keep = form.recipient.value;
    form.reset();
    form.recipient.value = keep;
    form.visited_at.value = localNow();
    showTopics();
  }

  root.querySelectorAll("button.log-visit").forEach(function (b) {
    b.addEventListener("click", function () {
      form.recipient.value = b.dataset.recipient;
      showTopics();
      form.scrollIntoView({ behavior: "smooth", block: "start" });
      form.recipient.focus();
    });
  });
  form.recipient.addEventListener("change", showTopics);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    formError.textContent = "";
    var home = HOMES[form.recipient.value];
    if (!home) { formError.textContent = S.choose_person; form.recipient.focus(); return; }
    var when = new Date(form.visited_at.value || localNow());
    var checklist = {};
    home.topics.forEach(function (topic) {
      var picked = form.querySelector("input[name='check-" + topic + "']:checked");
      var note = form.querySelector("input[name='note-" + topic + "']").value.trim();
      if (picked || note) checklist[topic] = { ok: picked ? picked.value === "ok" : null, note: note };
    });
    var body = {
      id: newId(),
      recipient: Number(form.recipient.value),
      kind: form.querySelector("input[name=kind]:checked").value,
      visited_at: when.toISOString(),
      companions: form.companions.value.trim(),
      checklist: checklist,
      notes: form.notes.value.trim(),
      needs: form.needs.value.trim()
    };
    put({ id: body.id, body: body, name: home.name, state: "queued", savedAt: Date.now() })
      .then(function () { resetForm(); formError.textContent = S.saved; return render(); })
      .then(sync);
  });

  // Sending ----------------------------------------------------------------------------------
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    return all().then(function (recs) {
      var queued = recs.filter(function (r) { return r.state === "queued"; }).slice(0, MAX_BATCH);
      if (!queued.length) return render();
      syncing = true;
      netState.textContent = S.sending;
      return post(VISITS + "/sync", { visits: queued.map(function (r) { return r.body; }) })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          var byId = {};
          queued.forEach(function (r) { byId[r.id] = r; });
          return Promise.all(data.results.map(function (result, i) {
            var rec = byId[result.id] || queued[i];
            rec.result = result.status;
            rec.message = result.message || "";
            rec.fields = result.fields || {};
            if (result.status === "stored" || result.status === "repeat") rec.state = "sent";
            else if (result.status === "conflict") { rec.state = "conflict"; rec.conflicts = result.conflicts; rec.digest = result.digest; }
            else rec.state = "error";
            rec.savedAt = Date.now();
            return put(rec);
          }));
        })
        .catch(function () { rec_failed(); })
        .then(function () {
          syncing = false;
          return render().then(function () {
            // More than one request's worth: the next batch.
            return all().then(function (recs) {
              if (recs.some(function (r) { return r.state === "queued"; }) && !queueStalled) return sync();
            });
          });
        });
    });
  }
  var queueStalled = false;
  function rec_failed() { queueStalled = true; netState.textContent = S.sync_failed; }

  function resolve(rec, box) {
    var choices = {};
    Object.keys(rec.conflicts).forEach(function (field) {
      if (field === "recipient") return;
      var picked = box.querySelector("input[name='pick-" + rec.id + "-" + field + "']:checked");
      choices[field] = rec.conflicts[field][picked && picked.value === "server" ? "server" : "device"];
    });
    return post(VISITS + "/" + rec.id + "/resolve", { choices: choices, seen: rec.digest || "" })
      .then(function (response) {
        if (response.status === 409) {
          rec.state = "queued"; rec.message = S.changed_again;
        } else if (response.ok) {
          Object.keys(choices).forEach(function (f) { rec.body[f] = choices[f]; });
          rec.state = "sent"; rec.result = "resolved"; rec.message = ""; rec.conflicts = null;
        } else {
          rec.message = S.sync_failed;
        }
        rec.savedAt = Date.now();
        return put(rec);
      })
      .catch(function () { rec.message = S.sync_failed; })
      .then(render);
  }

  // Showing ----------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString(document.documentElement.lang, { dateStyle: "short", timeStyle: "short" });
  }
  function shown(field, value) {
    if (value === "" || value === null || value === undefined) return S.nothing;
    if (field === "kind") return S.kinds[value] || value;
    if (field === "visited_at") return when(value);
    if (field === "recipient") return (HOMES[value] && HOMES[value].name) || "#" + value;
    if (field === "checklist") {
      var parts = Object.keys(value).map(function (t) {
        var v = value[t];
        var state = v.ok === true ? S.ok : v.ok === false ? S.not_ok : "";
        return (S.topics[t] || t) + ": " + [state, v.note].filter(Boolean).join(", ");
      });
      return parts.length ? parts.join("; ") : S.nothing;
    }
    return String(value);
  }
  function conflictBox(rec) {
    var box = el("div", "conflict");
    var table = el("table", "conflict-table");
    var head = el("tr");
    head.appendChild(el("th", "", ""));
    head.appendChild(el("th", "", S.server));
    head.appendChild(el("th", "", S.device));
    table.appendChild(head);
    Object.keys(rec.conflicts).forEach(function (field) {
      var row = el("tr");
      row.appendChild(el("th", "", S.fields[field] || field));
      ["server", "device"].forEach(function (side) {
        var cell = el("td");
        var label = el("label", "choice");
        if (field !== "recipient") {
          var input = el("input");
          input.type = "radio";
          input.name = "pick-" + rec.id + "-" + field;
          input.value = side;
          input.checked = side === "device";
          label.appendChild(input);
          label.appendChild(document.createTextNode(" "));
        }
        label.appendChild(el("span", "value", shown(field, rec.conflicts[field][side])));
        cell.appendChild(label);
        row.appendChild(cell);
      });
      table.appendChild(row);
    });
    box.appendChild(table);
    var keep = el("button", "keep", S.keep);
    keep.type = "button";
    keep.addEventListener("click", function () { keep.disabled = true; resolve(rec, box); });
    box.appendChild(keep);
    return box;
  }
  function render() {
    return all().then(function (recs) {
      recs.sort(function (a, b) { return b.savedAt - a.savedAt; });
      queueList.textContent = "";
      queueEmpty.hidden = recs.length > 0;
      recs.forEach(function (rec) {
        var li = el("li", "queued-visit state-" + rec.state);
        li.dataset.id = rec.id;
        var line = el("div", "queued-line");
        line.appendChild(el("strong", "", rec.name));
        line.appendChild(el("span", "", " · " + shown("kind", rec.body.kind) + " · " + when(rec.body.visited_at) + " "));
        var word = rec.state === "queued" ? S.queued : rec.state === "conflict" ? S.conflict
          : rec.state === "error" ? S.error : S[rec.result] || S.stored;
        line.appendChild(el("span", "tag status-" + (rec.state === "sent" ? rec.result : rec.state), word));
        li.appendChild(line);
        if (rec.message && rec.state !== "sent") li.appendChild(el("p", "queued-message", rec.message));
        if (rec.state === "error" && rec.fields) {
          Object.keys(rec.fields).forEach(function (f) {
            li.appendChild(el("p", "queued-message", (S.fields[f] || f) + ": " + rec.fields[f]));
          });
        }
        if (rec.state === "conflict" && rec.conflicts) li.appendChild(conflictBox(rec));
        queueList.appendChild(li);
      });
      if (!syncing) showNet();
    });
  }
  function showNet() {
    netState.textContent = navigator.onLine ? (queueStalled ? S.sync_failed : S.online) : S.offline;
    netState.className = "net-state " + (navigator.onLine ? "is-online" : "is-offline");
  }

  window.addEventListener("online", function () { queueStalled = false; showNet(); sync(); });
  window.addEventListener("offline", showNet);
  document.getElementById("sync-now").addEventListener("click", function () { queueStalled = false; sync(); });

  form.visited_at.value = localNow();
  showTopics();
  showNet();
  removeOld().then(render).then(sync);
})();
