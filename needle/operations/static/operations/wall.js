// The wall screen's dark full-width look: loaded without defer where the page body begins,
// so the classes are set before the panel is drawn.
document.documentElement.classList.add("wall-doc");
document.body.classList.add("wall");
