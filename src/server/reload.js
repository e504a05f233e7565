// Email preview: asks for the email's version, the server holding each
// request until a rebuild changes it (a long poll), and reloads the page
// when it has. It first asks once the page has loaded (frames included):
// that request tells the server the page shows this version, and a rebuild
// waiting for that goes on. Served as a file so the page needs no inline script.
(function () {
  var script = document.currentScript;
  var url = script.getAttribute("data-version-url");
  var version = script.getAttribute("data-version");
  function ask() {
    fetch(url + "?known=" + encodeURIComponent(version), { cache: "no-store" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.version !== version) location.reload();
        else setTimeout(ask, body ? 0 : 250);
      })
      .catch(function () { setTimeout(ask, 1000); });
  }
  if (document.readyState === "complete") ask();
  else window.addEventListener("load", ask);
})();
