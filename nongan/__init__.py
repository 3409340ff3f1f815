"""nongan (农安): agricultural product quality-safety supervision."""
