"""The branch's rulebook (编订制度手册、制度上墙): an A4 handbook and an A3 wall poster as PDFs."""
