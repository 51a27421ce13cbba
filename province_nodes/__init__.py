"""huren's province node: issuance service, durable anchoring and the encrypted certificate store."""
