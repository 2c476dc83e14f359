"""Spreadsheets a branch office files, for data shown elsewhere in the app: the roster (花名册),
attendance over a month, quarter or year (members × events), and all members' archives in one
workbook. The dues ledger, the compliance tables and the single-event attendance sheet live with
their features (server/dues/export.py, server/compliance/export.py, server/events/export.py)."""
