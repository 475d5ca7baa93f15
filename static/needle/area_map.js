// The area's child boundaries on a Leaflet map (the configured basemap, or none: then the
// outlines carry their names); click one to open it.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("map");
  if (!el || !window.L || !window.needleMaps) return;
  var M = window.needleMaps;
  var map = M.create(el);
  function open(code) { window.location = el.dataset.detail.replace("CODE", code); }
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (!data.features || !data.features.length) { el.hidden = true; return; }
      var layer = M.outlines(data, {
        style: { color: "#b3261e", weight: 1.5, fillColor: "#f4c7c3", fillOpacity: 0.45 },
        onEachFeature: function (f, l) {
          l.bindTooltip(M.text(f.properties.name), { sticky: true });
          l.on("click", function () { open(f.properties.code); });
        }
      }).addTo(map);
      var names = M.outlineLabels(data);
      if (names) names.addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    });
});
