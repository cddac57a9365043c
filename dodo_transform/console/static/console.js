// Live updates for the console, over server-sent events (/ui/events). Everything else works
// without JavaScript: filters are a GET form, actions are POST forms, pages reload.
(function () {
  "use strict";
  var rows = document.getElementById("rows");
  var one = document.querySelector("[data-live-delivery]");
  var listLive = rows && rows.dataset.live;
  if (!listLive && !one) return;
  var badge = document.getElementById("live");
  var source = new EventSource("/ui/events");
  var timer = null;

  // What changed between rendering the page and opening the stream is not on the stream:
  // look once when it opens (and after every reconnect).
  source.onopen = function () {
    if (badge) badge.hidden = false;
    if (listLive) soon(refreshRows);
    if (one) soon(reloadIfChanged);
  };
  source.onerror = function () {
    if (badge) badge.hidden = true;
    // Refused for good: if the session ended (expired, a new token), go to the sign-in
    // page. Anything else (a proxy that cannot stream) leaves the page as it is, without
    // live updates: reloading it would only fail the same way again.
    if (source.readyState === EventSource.CLOSED) {
      fetch(window.location.pathname, { credentials: "same-origin" }).then(signedOut);
    }
  };

  // A fetch follows the server's redirect to the sign-in page: that page is no list rows.
  function signedOut(r) {
    if (!r.redirected && r.status !== 401) return false;
    source.close();
    window.location.reload();
    return true;
  }

  function refreshRows() {
    timer = null;
    fetch(listLive, { credentials: "same-origin" }).then(function (r) {
      if (signedOut(r)) return;
      if (r.ok) return r.text().then(function (html) { rows.innerHTML = html; });
    });
  }

  function reloadIfChanged() {
    timer = null;
    fetch(window.location.pathname, { credentials: "same-origin" }).then(function (r) {
      if (signedOut(r) || !r.ok) return;
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var now = doc.querySelector("[data-live-delivery]");
        if (now && now.dataset.status !== one.dataset.status) window.location.reload();
      });
    });
  }

  // Several changes in a burst (received, delivering, succeeded) make one refresh.
  function soon(fn) { if (!timer) timer = setTimeout(fn, 150); }

  source.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.kind !== "delivery") return;
    if (listLive) soon(refreshRows);
    if (one && String(m.id) === one.dataset.liveDelivery) {
      soon(function () { window.location.reload(); });
    }
  };
})();
