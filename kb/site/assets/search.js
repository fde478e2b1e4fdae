/* kb's site search: a search box in Material's header over the Pagefind index.
 *
 * Pagefind's UI and index are loaded only when the box is first opened. Pagefind
 * fetches its index in chunks, which browsers refuse to do for pages opened from
 * disk (file://): there the box says how to serve the site instead.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  // This file is assets/kb/search.js: the site's root is two folders up.
  var root = new URL("../../", script.src);
  var bundle = new URL("pagefind/", root);
  var ICON =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true">' +
    '<path d="M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5"/></svg>';

  function build() {
    var header = document.querySelector(".md-header__inner");
    if (!header || document.querySelector(".kb-search")) return;
    var box = document.createElement("div");
    box.className = "kb-search";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kb-search__button md-header__button md-icon";
    button.title = button.ariaLabel = "Search";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "kb-search-panel");
    button.innerHTML = ICON;
    var panel = document.createElement("div");
    panel.id = "kb-search-panel";
    panel.className = "kb-search__panel";
    panel.setAttribute("role", "search");
    panel.hidden = true;
    box.appendChild(button);
    box.appendChild(panel);
    header.insertBefore(box, header.querySelector(".md-header__source"));

    var loaded = false;
    function open() {
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      if (!loaded) {
        loaded = true;
        load(panel);
      } else {
        var input = panel.querySelector("input");
        if (input) input.focus();
      }
    }
    function close() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
    }
    button.addEventListener("click", function () {
      panel.hidden ? open() : close();
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (event.key === "Escape" && !panel.hidden) close();
      else if (event.key === "/" && !typing && panel.hidden) {
        event.preventDefault();
        open();
      }
    });
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !box.contains(event.target)) close();
    });
  }

  function load(panel) {
    if (root.protocol === "file:") {
      panel.innerHTML =
        '<p class="kb-search__note">Search needs the site served over HTTP: browsers do not ' +
        "let a page opened from disk fetch the search index. Run <code>kb serve</code>, or " +
        "any static web server in the site folder (<code>python3 -m http.server</code>).</p>";
      return;
    }
    var ui = document.createElement("div");
    ui.className = "kb-search__ui";
    panel.appendChild(ui);
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL("pagefind-ui.css", bundle).href;
    document.head.appendChild(style);
    // A big site's index is made in parts (kb/site/pagefind.py): the first is the
    // bundle, the others are merged into it and searched with it as one index.
    var parts = fetch(new URL("kb-parts.json", bundle).href)
      .then(function (response) {
        return response.ok ? response.json() : {};
      })
      .catch(function () {
        return {};
      });
    var code = document.createElement("script");
    code.src = new URL("pagefind-ui.js", bundle).href;
    code.onload = function () {
      parts.then(function (found) {
        new window.PagefindUI({
          element: ui,
          bundlePath: bundle.pathname,
          baseUrl: root.pathname,
          mergeIndex: (found.merge || []).map(function (part) {
            return { bundlePath: new URL(part, bundle).pathname, baseUrl: root.pathname };
          }),
          showImages: false,
          showSubResults: false,
          resetStyles: false,
          autofocus: true,
          showEmptyFilters: false,
          openFilters: ["type", "category"],
          debounceTimeoutMs: 100,
        });
      });
    };
    code.onerror = function () {
      parts.then(function (found) {
        panel.innerHTML =
          found.pages === 0
            ? '<p class="kb-search__note">Nothing to search yet: the site has no ' +
              "documents or pages of its own.</p>"
            : '<p class="kb-search__note">The search index is missing: build the site ' +
              "with <code>kb build</code> (or <code>mkdocs build</code>) to make it.</p>";
      });
    };
    document.head.appendChild(code);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
