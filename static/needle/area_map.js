// The area's child boundaries on a Leaflet map with no tile server; click one to open it.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (!data.features || !data.features.length) { el.hidden = true; return; }
      var layer = L.geoJSON(data, {
        style: { color: "#b3261e", weight: 1.5, fillColor: "#f4c7c3", fillOpacity: 0.45 },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name, { sticky: true });
          l.on("click", function () { window.location = el.dataset.detail.replace("CODE", f.properties.code); });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    });
});
