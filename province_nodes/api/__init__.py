"""The node's HTTP API: thin routers over the services of a ProvinceNode."""
