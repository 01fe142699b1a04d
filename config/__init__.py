"""peerbot's settings: the model, its loader, and the example configuration file."""
