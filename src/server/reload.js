// Email preview: polls the email's version and reloads the page when a
// rebuild has changed it. Served as a file so the page needs no inline script.
(function () {
  var script = document.currentScript;
  var url = script.getAttribute("data-version-url");
  var version = script.getAttribute("data-version");
  setInterval(function () {
    fetch(url, { cache: "no-store" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) { if (body && body.version !== version) location.reload(); })
      .catch(function () {});
  }, 1000);
})();
