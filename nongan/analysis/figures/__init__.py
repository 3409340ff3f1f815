"""The dashboard's figures, one module per subject, each computed for one `Scope` in
grouped SQL queries (never row by row) from what `visible(...)` gives the caller."""
