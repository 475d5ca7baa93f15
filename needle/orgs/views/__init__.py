"""Pages of people and organizations, by family: `accounts` (sign-in and sign-up, the profile,
email and password, tokens, the terms) and `organization` (units, figures, the audit log, an
area's grids and workers). Thin: parse, call a selector or service, render."""
