// Email preview: asks for the email's version, the server holding each
// request until a rebuild changes it (a long poll), and then shows the new
// email in place: the page's fields and text part are taken from the page
// as the server now renders it, and the three frames reloaded (about half
// the time of reloading the whole page, which keeps its scroll position
// too). Whatever does not fit (the page's shape changed, the email is
// gone) reloads the whole page. Once the frames have loaded, it fires
// "preview:shown" on the document and asks again: that request tells the
// server the page shows this version, and a rebuild waiting for that goes
// on. Served as a file so the page needs no inline script.
(function () {
  var script = document.currentScript;
  var url = script.getAttribute("data-version-url");
  var version = script.getAttribute("data-version");
  function ask() {
    fetch(url + "?known=" + encodeURIComponent(version), { cache: "no-store" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.version !== version) show(body.version);
        else setTimeout(ask, body ? 0 : 250);
      })
      .catch(function () { setTimeout(ask, 1000); });
  }
  function show(next) {
    var frames = Array.prototype.slice.call(document.querySelectorAll("iframe"));
    // The frames start at once; the page's own parts follow from a fetch beside them.
    var loaded = Promise.all(frames.map(function (frame) {
      return new Promise(function (resolve) {
        frame.addEventListener("load", resolve, { once: true });
        frame.contentWindow.location.reload();
      });
    }));
    var parts = fetch(location.href, { cache: "no-store" })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html");
        var now = fresh && fresh.querySelector("script[data-version]");
        if (!now || now.getAttribute("data-version") !== next) return false;
        var old = document.querySelectorAll("[data-preview-part]");
        var made = fresh.querySelectorAll("[data-preview-part]");
        if (old.length !== made.length || fresh.querySelectorAll("iframe").length !== frames.length) return false;
        for (var i = 0; i < old.length; i++) {
          if (old[i].getAttribute("data-preview-part") !== made[i].getAttribute("data-preview-part")) return false;
        }
        for (var j = 0; j < old.length; j++) old[j].replaceWith(document.importNode(made[j], true));
        document.title = fresh.title;
        return true;
      });
    Promise.all([parts, loaded])
      .then(function (done) {
        if (!done[0]) return location.reload();
        version = next;
        document.dispatchEvent(new CustomEvent("preview:shown", { detail: { version: next } }));
        ask();
      })
      .catch(function () { location.reload(); });
  }
  if (document.readyState === "complete") ask();
  else window.addEventListener("load", ask);
})();
