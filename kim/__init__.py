"""KIM Monitor: command line, settings and the programme configuration."""
