"""Filings with the superior committee (备案/报送), its decisions, and rectification items (整改事项)."""
