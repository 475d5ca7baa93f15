// Requests pages: a map to place a request (no tile server: area boundaries only), the public
// map of requests, and picking a service or an area from htmx search results.
(function () {
  "use strict";

  var STYLE = { color: "#b3261e", weight: 1.2, fillColor: "#f4c7c3", fillOpacity: 0.35 };

  function drawBoundaries(map, url, done) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .catch(function () { return { features: [] }; })
      .then(function (data) {
        var layer = null;
        if (data.features && data.features.length) {
          layer = L.geoJSON(data, {
            style: STYLE,
            onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); }
          }).addTo(map);
        }
        done(layer);
      });
  }

  function pinMap(el) {
    var lat = document.getElementById(el.dataset.lat);
    var lng = document.getElementById(el.dataset.lng);
    var status = document.getElementById(el.dataset.status);
    var clear = document.getElementById("pin-clear");
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var marker = null;

    function show(latlng) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.circleMarker(latlng, { radius: 9, color: "#0b57a4", weight: 3, fillColor: "#4f8fd8", fillOpacity: 0.9 }).addTo(map);
      }
      status.textContent = status.dataset.placed + " " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
      if (clear) clear.hidden = false;
    }
    function place(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      show(latlng);
      // The duplicate suggestions listen for this: a pin changes what is "nearby".
      document.body.dispatchEvent(new Event("pinned"));
    }
    drawBoundaries(map, el.dataset.geojson, function (layer) {
      if (!layer) { el.hidden = true; return; }
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      var overview = map.getZoom();
      // From the whole city a tap is coarse: it also zooms into the district tapped, so the
      // next tap can place the pin precisely.
      layer.eachLayer(function (l) {
        l.on("click", function () {
          if (map.getZoom() < overview + 1) map.fitBounds(l.getBounds(), { padding: [8, 8] });
        });
      });
      if (lat.value && lng.value) {
        var here = L.latLng(parseFloat(lat.value), parseFloat(lng.value));
        show(here);
        map.setView(here, Math.max(map.getZoom(), overview + 2));
      }
    });
    map.on("click", function (e) { place(e.latlng); });
    if (clear) {
      clear.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        lat.value = ""; lng.value = ""; status.textContent = ""; clear.hidden = true;
      });
    }
  }

  function publicMap(el) {
    var points = JSON.parse(document.getElementById(el.dataset.points).textContent || "[]");
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var group = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lng], { radius: 7, color: "#0b57a4", weight: 2, fillColor: "#4f8fd8", fillOpacity: 0.85 })
        .bindPopup("<strong></strong><br><span></span>").on("popupopen", function (e) {
          // Text goes in as text, never as HTML.
          var node = e.popup.getElement();
          node.querySelector("strong").textContent = p.number + " · " + p.state;
          node.querySelector("span").textContent = p.text;
        }).addTo(group);
    });
    drawBoundaries(map, el.dataset.geojson, function (layer) {
      // The whole city, with the requests of this page on it.
      var bounds = layer ? layer.getBounds() : points.length ? group.getBounds() : null;
      if (!bounds) { el.hidden = true; return; }
      if (layer) layer.bringToBack();
      map.fitBounds(bounds, { padding: [10, 10], maxZoom: 14 });
    });
  }

  // Choosing a service: the category list's radio buttons are the field. A search result or
  // a classifier's suggestion checks the service's radio there (results come and go as one
  // types), opens its category and says what was chosen; without JavaScript a result's own
  // radio button is sent.
  function chooseService(code) {
    var radios = document.querySelectorAll(".service-tree input[name=service]");
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].value !== code) continue;
      radios[i].checked = true;
      var details = radios[i].closest("details");
      if (details) details.open = true;
      radios[i].dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }
    return false;
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[name=service]")) return;
    if (input.closest(".service-tree")) {
      var chosen = document.getElementById("service-chosen");
      if (chosen) chosen.textContent = "✓ " + input.dataset.label;
    } else if (chooseService(input.value)) {
      document.getElementById("service-picks").innerHTML = "";
    }
  });

  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-pick-service], [data-pick-area]");
    if (!button) return;
    if (button.dataset.pickService) {
      chooseService(button.dataset.pickService);
    } else {
      document.getElementById("id_area").value = button.dataset.pickArea;
      document.getElementById("area-chosen").textContent = "✓ " + button.dataset.label;
      document.getElementById("area-picks").innerHTML = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var checked = document.querySelector(".service-tree input[name=service]:checked");
    var chosen = document.getElementById("service-chosen");
    if (checked && chosen) chosen.textContent = "✓ " + checked.dataset.label;
    if (!window.L) return;
    var pin = document.getElementById("pin-map");
    if (pin) pinMap(pin);
    var pub = document.getElementById("public-map");
    if (pub) publicMap(pub);
  });
})();
