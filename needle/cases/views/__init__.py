"""Pages of residents' requests (接诉即办), by family: `intake` (the report form and phone intake),
`public` (tracking, the public list, a resident's own requests), `inbox` (the unit inbox and
the dispatch queue), `case` (the case page and its moves), `rates`. Thin: parse, call a
selector or service, render."""
