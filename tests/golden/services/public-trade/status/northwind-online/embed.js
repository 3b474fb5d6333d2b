var SSPAGE_EMBED = {"incident": {"background": "#b71c1c", "color": "#ffffff"}, "maintenance": {"background": "#1f5fa8", "color": "#ffffff"}, "position": "bottom-right", "words": {"dismiss": "Dismiss", "impact": {"critical": "Critical impact", "major": "Major impact", "minor": "Minor impact", "none": "No impact"}, "maintenance": "Maintenance in progress", "view": "View status"}};
/* sspage status embed: a banner on the host page while an incident or maintenance is active.
   Include it with <script src="https://STATUS-SITE/status/SLUG/embed.js" async></script>.
   The line before this comment (SSPAGE_EMBED) holds the site's settings and the theme's words.
   Under a strict host Content-Security-Policy it needs only the status site in script-src and
   connect-src: styles are set through the CSSOM (element.style), never a style attribute or
   element, nothing is evaluated, and every text from the JSON is set with textContent. */
(function () {
  "use strict";
  var settings = SSPAGE_EMBED;
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var summaryUrl = new URL("api/v2/summary.json", script.src);

  function safeLink(href, fallback) {
    try {
      var url = new URL(href, summaryUrl);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch (error) { /* not a URL */ }
    return fallback;
  }

  function apply(element, styles) {
    for (var name in styles) element.style[name] = styles[name];
  }

  function active(summary) {
    var incidents = summary.incidents || [];
    for (var i = 0; i < incidents.length; i++) {
      if (incidents[i].status !== "resolved" && incidents[i].status !== "postmortem") {
        return {kind: "incident", item: incidents[i]};
      }
    }
    var windows = summary.scheduled_maintenances || [];
    for (var j = 0; j < windows.length; j++) {
      if (windows[j].status === "in_progress" || windows[j].status === "verifying") {
        return {kind: "maintenance", item: windows[j]};
      }
    }
    return null;
  }

  function show(summary) {
    var found = active(summary);
    if (!found) return;
    var page = summary.page || {};
    var colours = settings[found.kind];
    var banner = document.createElement("div");
    banner.className = "sspage-embed";
    banner.setAttribute("role", "status");
    banner.setAttribute("data-kind", found.kind);
    var vertical = settings.position.split("-");
    apply(banner, {position: "fixed", zIndex: "2147483000", maxWidth: "24rem", margin: "0",
      padding: "0.75rem 2.5rem 0.75rem 1rem", borderRadius: "0.5rem", boxSizing: "border-box",
      background: colours.background, color: colours.color, font: "14px/1.4 system-ui, sans-serif",
      boxShadow: "0 2px 12px rgba(0, 0, 0, 0.3)"});
    banner.style[vertical[0]] = "1rem";
    banner.style[vertical[1]] = "1rem";
    var title = document.createElement("strong");
    apply(title, {display: "block"});
    title.textContent = found.item.name || "";
    var detail = document.createElement("span");
    apply(detail, {display: "block"});
    detail.textContent = found.kind === "incident"
      ? (settings.words.impact[found.item.impact] || "") : settings.words.maintenance;
    var link = document.createElement("a");
    link.href = safeLink(found.item.shortlink || page.url || "", safeLink(page.url || "", ""));
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = settings.words.view + (page.name ? ": " + page.name : "");
    apply(link, {color: colours.color, textDecoration: "underline"});
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", settings.words.dismiss);
    close.textContent = "\u00d7";
    apply(close, {position: "absolute", top: "0.25rem", right: "0.5rem", border: "0",
      background: "transparent", color: colours.color, font: "20px/1 system-ui, sans-serif",
      cursor: "pointer"});
    close.addEventListener("click", function () { banner.remove(); });
    banner.appendChild(title);
    banner.appendChild(detail);
    if (link.href) banner.appendChild(link);
    banner.appendChild(close);
    if (document.body) document.body.appendChild(banner);
    else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(banner); });
  }

  fetch(summaryUrl.href, {credentials: "omit", cache: "no-cache"})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (summary) { if (summary) show(summary); })
    .catch(function () { /* the status page cannot be reached: show nothing */ });
})();
