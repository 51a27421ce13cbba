"""huren's verifier: independent checks of sealed certificates against the chain and the cryptography."""
