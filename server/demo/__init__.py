"""Demo data for trying Zhibu out: `flask --app server demo`."""
