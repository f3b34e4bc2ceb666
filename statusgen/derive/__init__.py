"""What the content means at build time: status, SLA, uptime. Pure functions over the model."""
