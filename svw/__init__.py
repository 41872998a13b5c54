"""Social Value Warehouse: configuration, command line and demo data."""
