"""The member's archive (党员手册, LOG-archive): everything of a member's party life recorded in
Zhibu, on screen and as a PDF whose every page carries a signed QR (sync/archive.py)."""
