"""huren's chain access: compile and deploy the contracts, one binding of their calls, the
transaction sender, event reading, and the embedded development chain."""
