"""The `reseau` command: réseau's top layer."""
