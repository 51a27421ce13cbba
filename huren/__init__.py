"""The `huren` command line: one entry point that dispatches to the ledger, node and verifier."""
