"""huren's ledger: the certificate format, the contracts' chain access, event replay and audit."""
